UNIT_TESTS += vswitch
UNIT_SRCS_vswitch := drivers/net/vswitch.c drivers/net/vswitch_inbox.c
