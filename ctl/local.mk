# ctl: filled in by its owner
