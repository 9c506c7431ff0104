/**
 * What every command shares and nothing else: the root's {@link dev.pgnest.cli.shared.CommandContext},
 * the {@code --output} mixin, the subcommand declaration, the converter of times and the human formats of sizes and
 * times. It depends on no command, so commands and the root never form a cycle.
 */
package dev.pgnest.cli.shared;
