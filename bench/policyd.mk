# bench/policyd.mk: route-policyd comes in the next commit.
