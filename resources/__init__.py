"""SyncDesk's data files (icons, the OAuth redirect page…), installed as the package
``syncdesk_resources``; ``ui.resources.resource_path`` finds them (see README.md here)."""
