/*
 * cmd: subcommands of the perpsim program that live outside main.c, each
 * taking argv from its own name on (argv[0] is "run", ...) and returning
 * the exit status (main.c, "Exit status").
 */
#ifndef PERPSIM_CMD_H
#define PERPSIM_CMD_H

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#endif
