/* redrive — a terminal operations console for email delivery incidents. */
#include "redrive/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
