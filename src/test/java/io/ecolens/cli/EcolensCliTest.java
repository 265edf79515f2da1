package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Command-line behaviour that needs no Spark: help, and errors raised before a session starts. */
class EcolensCliTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return EcolensCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"generate", "ingest", "sample", "score", "evaluate", "report", "run"})
  void everyCommandHasHelp(String command) {
    assertThat(run(command, "--help")).isZero();
    assertThat(out.toString()).contains("Usage: ecolens " + command).contains("--conf").contains("--set")
        .contains("--run-id");
  }

  @Test
  void badConfigExitsWithTheConfigCodeAndNamesTheKey() throws IOException {
    Path conf = dir.resolve("bad.yaml");
    Files.writeString(conf, "sample:\n  size: -4\n");
    assertThat(run("sample", "--conf", conf.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("error: Invalid configuration in " + conf)
        .contains("'sample.size'").contains("must be at least 1, cannot be: -4");
  }

  @Test
  void badRunIdIsRejectedBeforeAnythingRuns() {
    assertThat(run("ingest", "--run-id", "../../etc")).isEqualTo(2);
    assertThat(err.toString()).contains("--run-id").contains("may only hold letters, digits");
  }

  @Test
  void unknownCommandIsAUsageError() {
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument").contains("frobnicate");
  }
}
