# tests/srs: our SRS against the real postsrsd (skipped when it is not
# unpacked; scripts/deps.sh unpacks it), through milter-ctl.
TESTS += tests/srs/test_postsrsd.sh
EXTRA_DIST += tests/srs/test_postsrsd.sh \
	tests/srs/tcptable.py \
	tests/srs/senders.py
