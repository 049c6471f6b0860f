"""redteam-reviewer: red-teams brand social-media drafts before anyone hits Publish."""

__version__ = "0.1.0"
