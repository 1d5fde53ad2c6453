/* vaktctl: the command-line client of vaktd and the offline tools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "ctl/ctl.h"

#define DEFAULT_SOCKET "/run/vakt/api.sock"

static void usage(FILE *out)
{
	fprintf(out, "usage: vaktctl [--socket PATH] [--config DIR] [--calendar NAME] [--json] "
	             "COMMAND [ARGS...]\n\ncommands:\n");
	/* Usage on the command's line, the summary indented below it: the
	 * usages are too different in length for columns. */
	for (size_t i = 0; ctl_commands[i]; i++)
		fprintf(out, "  %s %s\n      %s\n", ctl_commands[i]->name, ctl_commands[i]->usage,
		        ctl_commands[i]->summary);
	fprintf(out,
	        "\nThe socket defaults to $VAKT_SOCKET or %s.\n"
	        "--config (or $VAKT_CONFIG) makes the offline commands use the site's\n"
	        "calendars instead of the built-in defaults.\n",
	        DEFAULT_SOCKET);
}

int ctl_usage(const struct ctl_cmd *cmd)
{
	fprintf(stderr, "usage: vaktctl %s %s\n", cmd->name, cmd->usage);
	return CTL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct ctl_ctx ctx = { 0 };
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int nargs = 0, rc;

	if (!args)
		return CTL_EXIT_ERROR;
	ctx.config_dir = getenv("VAKT_CONFIG");
	if (ctx.config_dir && !*ctx.config_dir)
		ctx.config_dir = NULL;
	ctx.socket_path = getenv("VAKT_SOCKET");
	if (!ctx.socket_path || !*ctx.socket_path)
		ctx.socket_path = DEFAULT_SOCKET;

	/* Global options may stand anywhere before "--"; the rest is the
	 * command's. */
	int dashdash = 0;
	for (int i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && strcmp(argv[i], "--json") == 0) {
			ctx.json = true;
		} else if (!dashdash &&
		           (strcmp(argv[i], "--socket") == 0 || strcmp(argv[i], "-s") == 0)) {
			if (i + 1 >= argc) {
				usage(stderr);
				free(args);
				return CTL_EXIT_USAGE;
			}
			ctx.socket_path = argv[++i];
		} else if (!dashdash && strncmp(argv[i], "--socket=", 9) == 0) {
			ctx.socket_path = argv[i] + 9;
		} else if (!dashdash && (strcmp(argv[i], "--config") == 0 ||
		                         strcmp(argv[i], "--calendar") == 0)) {
			if (i + 1 >= argc) {
				usage(stderr);
				free(args);
				return CTL_EXIT_USAGE;
			}
			if (argv[i][2] == 'c' && argv[i][3] == 'o')
				ctx.config_dir = argv[++i];
			else
				ctx.calendar = argv[++i];
		} else if (nargs == 0 &&
		           (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
		            strcmp(argv[i], "help") == 0)) {
			usage(stdout);
			free(args);
			return CTL_EXIT_OK;
		} else if (nargs == 0 && strcmp(argv[i], "--version") == 0) {
			printf("vaktctl %s\n", VAKT_VERSION);
			free(args);
			return CTL_EXIT_OK;
		} else {
			args[nargs++] = argv[i];
		}
	}
	if (nargs == 0) {
		usage(stderr);
		free(args);
		return CTL_EXIT_USAGE;
	}

	const struct ctl_cmd *cmd = NULL;
	for (size_t i = 0; ctl_commands[i]; i++)
		if (strcmp(ctl_commands[i]->name, args[0]) == 0)
			cmd = ctl_commands[i];
	if (!cmd) {
		fprintf(stderr, "vaktctl: unknown command '%s'\n", args[0]);
		usage(stderr);
		free(args);
		return CTL_EXIT_USAGE;
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmd->run(&ctx, nargs, args);
	curl_global_cleanup();
	free(args);
	return rc;
}
