"""The app's use cases on the UI side: each controller owns one kind of background work.

`run` (manual syncs, pause, cancel, quit while syncing), `signals` (SIGHUP/SIGTERM and
the terminal going away), `verify`, `schedule` (the in-app scheduler) and `catalog`
(the Tables screen's table list and sync state). A controller changes the app's
`Session`, starts thread workers through `app.run_in_thread` (so the app's one
`Worker.StateChanged` handler sees every failure), and tells the screens to redraw;
the app's `@on` handlers hand the workers' messages to it.
"""
