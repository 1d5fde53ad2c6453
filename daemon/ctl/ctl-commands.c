/* The one table of vaktctl subcommands. */
#include "ctl/ctl.h"

/* One command a line, also past the length where clang-format would pack
 * them into columns. */
/* clang-format off */
const struct ctl_cmd *const ctl_commands[] = {
	&ctl_cmd_status,
	&ctl_cmd_accounts,
	&ctl_cmd_schedule,
	&ctl_cmd_crisis,
	&ctl_cmd_queue,
	&ctl_cmd_clock,
	&ctl_cmd_case,
	&ctl_cmd_item,
	&ctl_cmd_feedback,
	&ctl_cmd_calendar,
	&ctl_cmd_deadline,
	&ctl_cmd_filters,
	&ctl_cmd_testclock,
	&ctl_cmd_reload,
	&ctl_cmd_poll,
	&ctl_cmd_items,
	&ctl_cmd_escalations,
	&ctl_cmd_ack,
	&ctl_cmd_action,
	&ctl_cmd_actions,
	&ctl_cmd_oncall,
	&ctl_cmd_test_route,
	&ctl_cmd_audit,
	NULL,
};
/* clang-format on */
