package dev.usp4j.usp;

import dev.usp4j.usp.cli.UspCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * The entry point behind {@code ./usp}: parses the command line with picocli ({@link UspCommand} and its
 * subcommands) and turns every failure into one line on stderr ("usp: ...") and a non-zero exit status: 2 for bad
 * usage or bad input, 1 for anything unexpected.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // The console's own writer on a terminal, so that progress bars know they may redraw their line.
        java.io.Console console = System.console();
        PrintWriter out = console != null && console.isTerminal() ? console.writer() : new PrintWriter(System.out,
                true);
        System.exit(execute(args, out, new PrintWriter(System.err, true)));
    }

    /** Runs the command line {@code args}, printing to {@code out} and {@code err}; returns the exit status. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new UspCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            boolean input = cause instanceof IllegalArgumentException || cause instanceof IOException
                    || cause instanceof dev.usp4j.data.DatasetException;
            err.println("usp: " + cause.getMessage());
            if (!input) {
                cause.printStackTrace(err);
            }
            err.flush();
            return input ? 2 : 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("usp: " + e.getMessage());
            e.getCommandLine().usage(err);
            err.flush();
            return 2;
        });
        return cl.execute(args);
    }
}
