"""``redteam teams-package``: the Teams app package (manifest and icons) as a zip to upload."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.errors import EXIT_OK, UsageError
from bot.settings import Settings
from bot.teams.package import ManifestError, build_package


def run_teams_package(args: argparse.Namespace, settings: Settings) -> int:
    app_id = args.app_id or settings.teams_client_id
    if not app_id:
        raise UsageError("no app id: pass --app-id or set TEAMS_CLIENT_ID "
                         "(the Azure Bot's Microsoft App ID).")
    out = Path(args.out)
    try:
        manifest = build_package(app_id, out)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"could not write {out}: {exc.strerror or exc}") from None
    print(f"Wrote {out} for app {manifest['id']} (manifest {manifest['manifestVersion']}, "
          f"version {manifest['version']}). Upload it in Teams: Apps → Manage your apps → Upload an app.",
          file=sys.stderr)
    return EXIT_OK
