"""The screens of the TUI: one per mode, plus modal dialogs."""
