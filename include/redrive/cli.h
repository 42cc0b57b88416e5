/* cli.h — the command line of SPEC §3. */
#ifndef REDRIVE_CLI_H
#define REDRIVE_CLI_H

/* Runs redrive with argv; returns the exit status (0 ok, 2 usage, 3 input
 * partly rejected, 1 other failure). */
int cli_main(int argc, char **argv);

#endif
