# policyd/local.mk: route-policyd comes in the next commit.
