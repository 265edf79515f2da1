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

  /** A colon passes a shell and a file name but not a Hadoop path or a report folder: refused up front, everywhere. */
  @ParameterizedTest
  @ValueSource(strings = {"ingest", "score", "report", "run", "experiment"})
  void runIdTheTablesCannotHoldIsRejectedBeforeAnyStage(String command) {
    String conf = command.equals("experiment") ? "conf/experiments/demo.yaml" : "conf/local.yaml";
    assertThat(run(command, "--run-id", "a:b", "--conf", conf)).isEqualTo(2);
    assertThat(err.toString()).contains("'a:b' may only hold letters, digits and _ . -");
    assertThat(out.toString()).doesNotContain("finished");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "run"})
  void runIdTheTablesCannotHoldFailsValidateOnly(String command) {
    assertThat(run(command, "--run-id", "a:b", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("'a:b' may only hold letters, digits and _ . -");
  }

  @ParameterizedTest
  @ValueSource(strings = {"generate", "ingest", "sample", "score", "train", "evaluate", "report", "run"})
  void validateOnlyChecksWithoutStartingSpark(String command) throws IOException {
    Files.createDirectories(dir.resolve("corpus"));
    Files.createDirectories(dir.resolve("labels"));
    org.apache.spark.sql.SparkSession.clearActiveSession();
    boolean sessionBefore = org.apache.spark.sql.SparkSession.getDefaultSession().isDefined();
    // a master Spark cannot parse: starting a session would fail the command
    assertThat(run(command, "--conf", "conf/local.yaml", "--run-id", "r1", "--set", "spark.master=no-such-master",
        "--set", "input.corpus.path=" + dir.resolve("corpus"), "--set", "input.labels.path=" + dir.resolve("labels"),
        "--validate-only")).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("valid: " + command + " (config, run id r1, policy ");
    assertThat(org.apache.spark.sql.SparkSession.getActiveSession().isDefined()).isFalse();
    assertThat(org.apache.spark.sql.SparkSession.getDefaultSession().isDefined()).isEqualTo(sessionBefore);
  }

  @Test
  void validateOnlyReportsWhatItChecked() throws IOException {
    Files.createDirectories(dir.resolve("corpus"));
    assertThat(run("ingest", "--run-id", "r1", "--set", "input.corpus.path=" + dir.resolve("corpus"),
        "--set", "input.labels=", "--validate-only")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("valid: ingest").contains("policy default")
        .contains("corpus " + dir.resolve("corpus") + " exists").contains("3 gate(s)");
  }

  @Test
  void validateOnlyFailsOnAMissingCorpusWithTheInputCode() {
    assertThat(run("ingest", "--run-id", "r1", "--set", "input.corpus.path=" + dir.resolve("nowhere"),
        "--validate-only")).isEqualTo(3);
    assertThat(err.toString()).contains("No corpus found at " + dir.resolve("nowhere"))
        .contains("input.corpus.path");
    assertThat(out.toString()).doesNotContain("valid");
  }

  @Test
  void validateOnlyLoadsThePolicyAndChecksTheGatesAgainstIt() throws IOException {
    assertThat(run("report", "--run-id", "r1", "--set", "score.policy=" + dir.resolve("none.yaml"),
        "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("Invalid policy file " + dir.resolve("none.yaml")).contains("no such file");

    Path policy = dir.resolve("broken.yaml");
    Files.writeString(policy, "id: p\nversion: 1\ncategories:\n  - id: spam\n    severity: apocalyptic\n");
    assertThat(run("score", "--run-id", "r1", "--set", "score.policy=" + policy, "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("Invalid policy file " + policy);

    assertThat(run("report", "--run-id", "r1", "--set", "gates=[{metric: f1, category: hate_spech, max-drop: 0.03}]",
        "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("'gates[0].category'").contains("'hate_spech' is not a category");
  }

  @Test
  void validateOnlyRejectsABadGateWithTheConfigCode() {
    assertThat(run("run", "--set", "gates=[{metric: f_one, max-drop: 0.03}]", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("'gates[0].metric'").contains("unknown metric 'f_one'");
    assertThat(out.toString()).doesNotContain("valid");
  }

  @Test
  void scoresBatchOptionsNeedBatchModeAndOneAtATime() {
    assertThat(run("score", "--run-id", "r1", "--submit", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("'--submit'").contains("score.openai.mode=batch");
    assertThat(run("score", "--run-id", "r1", "--submit", "--collect", "--set", "score.scorer=openai",
        "--set", "score.openai.mode=batch", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("cannot be given with --collect");
    assertThat(run("score", "--run-id", "r1", "--collect", "--set", "score.scorer=openai",
        "--set", "score.openai.mode=batch", "--validate-only")).isZero();
  }

  @Test
  void simulatorValidatesToo() {
    assertThat(run("simulate-llm", "--validate-only")).isZero();
    assertThat(out.toString()).startsWith("valid: simulate-llm (policy default");
    assertThat(run("simulate-llm", "--rate-500", "1.5", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("fault rates must be between 0 and 1");
    assertThat(run("simulate-llm", "--batch-delay-ms", "10", "--batch-line-error-rate", "0.1",
        "--batch-complete-share", "0.5", "--validate-only")).isZero();
    assertThat(run("simulate-llm", "--batch-complete-share", "1.5", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("'--batch-complete-share'").contains("must be between 0 and 1");
    assertThat(run("simulate-llm", "--batch-delay-ms", "-1", "--validate-only")).isEqualTo(2);
    assertThat(err.toString()).contains("'--batch-delay-ms'").contains("must be at least 0");
  }

  @Test
  void unknownCommandIsAUsageError() {
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument").contains("frobnicate");
  }
}
