package io.ecolens.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * What the command line says when a command fails: a short message (what failed, the likely cause,
 * what to do) and the file holding the full trace, never the trace itself. The trace goes to the
 * log file of {@code conf/log4j2.properties} through the {@value #LOGGER} logger; where the logging
 * in use has no file for it (an embedding application's own), to a file of its own.
 */
final class Failures {
  /** The logger the full trace goes to; conf/log4j2.properties sends it to the log file only. */
  static final String LOGGER = "io.ecolens.failure";
  private static final int MAX_MESSAGE_CHARS = 300;
  private static final Pattern DERBY_HOME = Pattern.compile("booted the database (\\S+?)\\.?$", Pattern.MULTILINE);

  private Failures() {}

  /** The innermost cause, as its type and the first line of its message, shortened. */
  static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? "" : root.getMessage().strip().lines().findFirst().orElse("");
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "…";
    }
    return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
  }

  /** The likely cause and what to do for the failures users meet most, or null when the cause is not one of them. */
  static String hint(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      // XSDB6: the same, as Derby's network server reports it to a client of the catalog server
      if (message.contains("Another instance of Derby may have already booted the database")
          || message.contains("SQLSTATE: XSDB6")) {
        Matcher m = DERBY_HOME.matcher(message);
        String home = System.getProperty("derby.system.home"); // the warehouse, set by SparkSessions
        String where = m.find() ? " (" + m.group(1) + ")" : home == null ? "" : " (" + Path.of(home, "metastore_db") + ")";
        return "another process opened the embedded catalog" + where + " inside itself: an ecolens command with "
            + "catalog.server: false, or a notebook or spark-sql using Derby's embedded URL. Wait for it to finish, "
            + "let every process use the catalog server (catalog.server: true, the default), or give this run a "
            + "warehouse of its own (--set catalog.warehouse=...).";
      }
      if (t instanceof AccessDeniedException || message.contains("Permission denied")) {
        return "a file or folder could not be written (permission denied): check that this user may write "
            + "catalog.warehouse and report.output.";
      }
      if (t instanceof FileAlreadyExistsException || t instanceof NotDirectoryException
          || t.getClass().getSimpleName().equals("ParentNotDirectoryException") || message.contains("Not a directory")) {
        return "a folder could not be written: a path the config names as a folder is a file, or lies under one. "
            + "Check catalog.warehouse, report.output and generate.output.";
      }
      if (t instanceof ConnectException || message.contains("Connection refused")) {
        return "an endpoint refused the connection: check that the service is running and that its address in "
            + "the config (score.openai.endpoint, spark.hadoop.fs.s3a.endpoint) is right.";
      }
      if (t instanceof OutOfMemoryError) {
        return "the JVM ran out of memory: give it more (ECOLENS_JAVA_OPTS=-Xmx8g, or spark.driver.memory) "
            + "or lower sample.size.";
      }
      if (message.contains("_delta_log")) {
        return "a Delta table's log could not be read: a commit file was damaged or removed by hand. Restore the "
            + "table's _delta_log from a backup, or move the table's folder away to start it again.";
      }
    }
    return null;
  }

  /** Writes the full trace where the log goes and returns that file, or null when no file could be written. */
  static Path record(String command, Throwable e) {
    Path logFile = logFile();
    if (logFile != null) {
      LogManager.getLogger(LOGGER).error("ecolens {} failed", command, e);
      return logFile.toAbsolutePath();
    }
    try {
      Path own = Files.createTempFile("ecolens-" + command + "-failure-", ".log");
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      Files.writeString(own, trace.toString());
      return own.toAbsolutePath();
    } catch (IOException | RuntimeException unwritable) {
      return null;
    }
  }

  /** The file the {@value #LOGGER} logger writes to under the logging configuration in use, or null. */
  private static Path logFile() {
    if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
      return null;
    }
    for (LoggerConfig c = context.getConfiguration().getLoggerConfig(LOGGER); c != null;
        c = c.isAdditive() ? c.getParent() : null) {
      for (Appender appender : c.getAppenders().values()) {
        if (appender instanceof FileAppender file) {
          return Path.of(file.getFileName());
        }
      }
    }
    return null;
  }
}
