/* The one table of vaktctl subcommands. */
#include "ctl/ctl.h"

const struct ctl_cmd *const ctl_commands[] = {
	&ctl_cmd_status,
	&ctl_cmd_filters,
	NULL,
};
