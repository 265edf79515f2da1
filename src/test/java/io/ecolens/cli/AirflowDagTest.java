package io.ecolens.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.Errors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.config.ScoringMode;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.openai.BatchApi;
import io.ecolens.scorer.openai.BatchRequests;
import io.ecolens.simulator.LlmSimulator;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Airflow DAG in jobs/airflow: both Python files compile, and every ecolens command line the
 * DAG's helper module builds is accepted by the CLI's --validate-only. Needs python3 (not Airflow);
 * skipped when python3 is absent.
 */
class AirflowDagTest {
  private static final Path DAG_DIR = Path.of("jobs/airflow");
  @TempDir static Path dir;
  private static Path conf;

  @BeforeAll
  static void requirePythonAndWriteAConfig() throws IOException, InterruptedException {
    Result version;
    try {
      version = python(List.of("--version"));
    } catch (IOException e) {
      version = null;
    }
    Assumptions.assumeTrue(version != null && version.code == 0,
        "python3 is not installed: the Airflow DAG checks are skipped");
    Files.createDirectories(dir.resolve("corpus"));
    Files.createDirectories(dir.resolve("labels"));
    conf = dir.resolve("daily.yaml");
    Files.writeString(conf, String.join("\n",
        "input:",
        "  corpus: {path: " + dir.resolve("corpus") + ", format: json}",
        "  labels: {path: " + dir.resolve("labels") + ", format: json}",
        "score:",
        "  policy: " + Path.of("conf/policies/default.yaml").toAbsolutePath(),
        "gates:",
        "  - {metric: f1, category: hate_speech, max-drop: 0.03}",
        ""));
  }

  private record Result(int code, String output) {}

  private static Result python(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("python3"));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PYTHONPYCACHEPREFIX", dir.resolve("pycache").toString()); // keep jobs/airflow clean
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("python3 " + args + " did not finish within 60 s");
    }
    return new Result(p.exitValue(), out);
  }

  private static Result cli(List<String> args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = EcolensCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
    return new Result(code, out + err.toString());
  }

  @Test
  void dagAndHelperModuleCompile() throws IOException, InterruptedException {
    Result r = python(List.of("-m", "py_compile", DAG_DIR.resolve("ecolens_daily.py").toString(),
        DAG_DIR.resolve("ecolens_daily_batch.py").toString(), DAG_DIR.resolve("ecolens_tasks.py").toString()));
    assertThat(r.code).as(r.output).isZero();
  }

  @Test
  void everyArgumentListTheDagBuildsIsAcceptedByValidateOnly() throws IOException, InterruptedException {
    int checked = 0;
    for (List<String> extra : List.of(List.<String>of(), List.of("--baseline-run", "daily-20261124"))) {
      List<String> args = new ArrayList<>(List.of(DAG_DIR.resolve("ecolens_tasks.py").toString(),
          "--ds-nodash", "20261125", "--conf-file", conf.toString(), "--deploy-mode", "client"));
      args.addAll(extra);
      Result printed = python(args);
      assertThat(printed.code).as(printed.output).isZero();
      JsonNode json = new ObjectMapper().readTree(printed.output);
      List<String> stages = new ArrayList<>();
      for (JsonNode task : json.get("tasks")) {
        List<String> cli = new ArrayList<>();
        task.get("application_args").forEach(a -> cli.add(a.asText()));
        assertThat(cli).contains("--run-id", "daily-20261125");
        cli.add("--validate-only");
        Result r = cli(cli);
        assertThat(r.code).as(cli + ": " + r.output).isZero();
        assertThat(r.output).startsWith("valid: " + task.get("stage").asText());
        stages.add(task.get("stage").asText());
        checked++;
      }
      assertThat(stages).containsExactly("ingest", "sample", "score", "evaluate", "report");
      List<String> batchTasks = new ArrayList<>();
      for (JsonNode task : json.get("batch_tasks")) {
        List<String> cli = new ArrayList<>();
        task.get("application_args").forEach(a -> cli.add(a.asText()));
        cli.addAll(List.of("--set", "score.scorer=openai", "--set", "score.openai.mode=batch", "--validate-only"));
        Result r = cli(cli);
        assertThat(r.code).as(cli + ": " + r.output).isZero();
        assertThat(r.output).startsWith("valid: " + cli.get(0));
        batchTasks.add(String.join(" ", cli.subList(0, cli.indexOf("--conf"))));
        checked++;
      }
      assertThat(batchTasks).containsExactly("ingest", "sample", "score --submit", "score --collect", "evaluate", "report");
    }
    assertThat(checked).isEqualTo(22);
  }

  @Test
  void anUnrenderedTemplateWouldBeRejected() {
    // what the CLI would get if Airflow did not render the run id: the check above can fail
    Result r = cli(List.of("report", "--conf", conf.toString(), "--run-id", "daily-{{ ds_nodash }}", "--validate-only"));
    assertThat(r.code).isEqualTo(Errors.EXIT_CONFIG);
    assertThat(r.output).contains("--run-id");
  }

  @Test
  void theModuleAgreesWithTheProjectOnExitCodeAndJavaFlags() throws IOException, InterruptedException {
    Result printed = python(List.of(DAG_DIR.resolve("ecolens_tasks.py").toString(), "--conf-file", conf.toString()));
    JsonNode json = new ObjectMapper().readTree(printed.output);
    assertThat(json.get("gate_exit_code").asInt()).isEqualTo(Errors.EXIT_GATE);
    assertThat(json.get("scoring_exit_code").asInt()).isEqualTo(Errors.EXIT_SCORING);
    assertThat(json.get("batches_running_exit_code").asInt()).isEqualTo(Errors.EXIT_BATCHES_RUNNING);
    Matcher opens = Pattern.compile("<spark.java17.opens>(.*)</spark.java17.opens>").matcher(Files.readString(Path.of("pom.xml")));
    assertThat(opens.find()).isTrue();
    assertThat(json.get("java17_opens").asText()).isEqualTo(opens.group(1));
  }

  @Test
  void onlyExitCode5CountsAsAFailedGate() throws IOException, InterruptedException {
    Result r = python(List.of("-c", String.join("\n",
        "import sys",
        "sys.path.insert(0, '" + DAG_DIR + "')",
        "import ecolens_tasks as t",
        "assert t.gate_failed('Cannot execute: spark-submit --master yarn app.jar report. Error code is: 5.')",
        "assert t.gate_failed('Cannot execute: x. Error code is: 1. Kubernetes spark exit code is: 5')",
        "assert not t.gate_failed('Cannot execute: x. Error code is: 4.')",
        "assert not t.gate_failed('Cannot execute: x. Error code is: 51.')",
        "assert not t.gate_failed('no driver id is known')",
        "assert t.scoring_failed('Cannot execute: x. Error code is: 6.')",
        "assert not t.scoring_failed('Cannot execute: x. Error code is: 5.')",
        "assert not t.gate_failed('Cannot execute: x. Error code is: 6.')",
        "s = t.Settings(application='app.jar', conf_file='/etc/ecolens/daily.yaml', deploy_mode='cluster')",
        "k = t.submit_kwargs('report', s)",
        "assert k['files'] == '/etc/ecolens/daily.yaml', k",
        "assert k['application_args'][:3] == ['report', '--conf', 'daily.yaml'], k",
        "print('ok')")));
    assertThat(r.code).as(r.output).isZero();
    assertThat(r.output.trim()).isEqualTo("ok");
  }

  /**
   * The batch DAG's sensor against the simulator's Batch API: no batch of the run yet, a batch of
   * the run in progress, then the run's batch ended while another run's is still in progress.
   */
  @Test
  void theBatchSensorWaitsForEveryBatchOfItsRunAtTheProvider() throws Exception {
    Policy policy = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults()
        .withBatches(new LlmSimulator.BatchSettings(4_000, 0, 1.0)), policy)) {
      BatchApi api = new BatchApi(OpenAiSettings.defaults().withEndpoint(sim.endpoint(), 1));
      BatchRequests render = new BatchRequests(OpenAiSettings.defaults().withEndpoint(sim.endpoint(), 1)
          .withMode(ScoringMode.BATCH, 1, "none"), policy);
      byte[] file = BatchRequests.jsonl(render.requests(List.of(new ScoringItem("c1", "h1", "a title", null, null,
          List.of())), false));
      String sensor = String.join("\n",
          "import sys",
          "sys.path.insert(0, '" + DAG_DIR + "')",
          "import ecolens_tasks as t",
          "assert t.provider_batches_done('" + sim.endpoint() + "', 'daily-20261125', submitted=t.NOTHING_SUBMITTED)",
          "assert t.provider_batches_done('file:///data/batches', 'daily-20261125')",
          "print(t.provider_batches_done('" + sim.endpoint() + "', 'daily-20261125', key_env='ECOLENS_NO_SUCH_KEY'))");
      assertThat(python(List.of("-c", sensor)).output.trim()).as("no batch of the run yet").isEqualTo("False");
      api.create(api.upload("ours.jsonl", file), java.util.Map.of("ecolens_run", "daily-20261125"));
      assertThat(python(List.of("-c", sensor)).output.trim()).as("the run's batch in progress").isEqualTo("False");
      Thread.sleep(4_500);
      api.create(api.upload("other.jsonl", file), java.util.Map.of("ecolens_run", "daily-20261124"));
      Result done = python(List.of("-c", sensor));
      assertThat(done.output.trim()).as(done.output).isEqualTo("True");
    }
  }
}
