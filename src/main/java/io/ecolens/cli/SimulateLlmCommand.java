package io.ecolens.cli;

import io.ecolens.Errors;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.scorer.openai.OpenAiClient;
import io.ecolens.simulator.LlmSimulator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code simulate-llm}: the OpenAI-compatible simulator on loopback, for tests, benchmarks and demos. */
@Command(name = "simulate-llm", mixinStandardHelpOptions = true,
    description = "Serve an OpenAI-compatible chat-completions simulator on loopback until stopped (tests, benchmarks).")
final class SimulateLlmCommand implements Callable<Integer> {
  @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int port = 8000;

  @Option(names = "--model", description = "Model name served (default: ${DEFAULT-VALUE}).")
  String model = "sim-model";

  @Option(names = "--policy", description = "Policy whose rules decide the answers (default: ${DEFAULT-VALUE}).")
  String policy = "conf/policies/default.yaml";

  @Option(names = "--latency-ms", description = "Latency of every answer (default: ${DEFAULT-VALUE}).")
  long latencyMs = 200;

  @Option(names = "--max-concurrency", description = "Requests served at once; 0 = no cap (default: ${DEFAULT-VALUE}).")
  int maxConcurrency;

  @Option(names = "--over-cap", description = "queue or reject (429) requests over the cap (default: ${DEFAULT-VALUE}).")
  String overCap = "queue";

  @Option(names = "--rpm", description = "Requests per minute before 429 with Retry-After; 0 = none.")
  int rpm;

  @Option(names = "--rate-429", description = "Share of requests answered 429.")
  double rate429;

  @Option(names = "--rate-500", description = "Share of requests answered 500.")
  double rate500;

  @Option(names = "--rate-timeout", description = "Share of requests that hang, then drop the connection.")
  double rateTimeout;

  @Option(names = "--rate-malformed", description = "Share of answers that are malformed JSON or miss an item.")
  double rateMalformed;

  @Option(names = "--answers", description = "rules: the policy's rules score each item; unusable: every answer is "
      + "prose instead of the items' verdicts, so every item fails (default: ${DEFAULT-VALUE}).")
  String answers = "rules";

  @Option(names = "--hang-ms", description = "How long a 'timeout' request hangs (default: ${DEFAULT-VALUE}).")
  long hangMs = 30_000;

  @Option(names = "--retry-after", description = "Retry-After seconds of injected 429s (default: ${DEFAULT-VALUE}).")
  int retryAfter = 1;

  @Option(names = "--api-key-env",
      description = "Require 'Authorization: Bearer <key>' with the key held in this environment variable.")
  String apiKeyEnv;

  @Option(names = "--seed", description = "Seed of the fault injection (default: ${DEFAULT-VALUE}).")
  long seed = 42;

  @Option(names = "--batch-delay-ms",
      description = "Batch API: milliseconds from a batch's creation to its end (default: ${DEFAULT-VALUE}).")
  long batchDelayMs = LlmSimulator.BatchSettings.defaults().delayMs();

  @Option(names = "--batch-line-error-rate",
      description = "Batch API: share of lines answered 500, in the error file (default: ${DEFAULT-VALUE}).")
  double batchLineErrorRate = LlmSimulator.BatchSettings.defaults().lineErrorRate();

  @Option(names = "--batch-complete-share", description = "Batch API: share of a batch's lines done before it "
      + "ends; below 1 the batch ends expired, the rest batch_expired in the error file (default: ${DEFAULT-VALUE}).")
  double batchCompleteShare = LlmSimulator.BatchSettings.defaults().completeShare();

  @Option(names = "--validate-only", description = "Check the options and the policy, print 'valid' and exit 0.")
  boolean validateOnly;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    if (validateOnly) {
      batchSettings();
      spec.commandLine().getOut().println(checkOptions(policy, port, overCap, answers,
          new double[] {rate429, rate500, rateTimeout, rateMalformed}));
      spec.commandLine().getOut().flush();
      return 0;
    }
    String key = apiKeyEnv == null ? null : OpenAiClient.apiKey(apiKeyEnv);
    LlmSimulator.Settings s = new LlmSimulator.Settings(port, model,
        latencyMs, maxConcurrency, overCap.equals("reject"), rpm, rate429, rate500, rateTimeout, rateMalformed,
        hangMs, retryAfter, key, seed, answers(answers), batchSettings());
    LlmSimulator sim = LlmSimulator.start(s,
        PolicyLoader.load(Path.of(policy)));
    spec.commandLine().getOut().printf("LLM simulator serving model %s at %s (stats: http://127.0.0.1:%d/stats); Ctrl-C stops it%n",
        model, sim.endpoint(), sim.port());
    spec.commandLine().getOut().flush();
    Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
    Thread.currentThread().join();
    return 0;
  }

  private static LlmSimulator.Answers answers(String value) {
    return switch (value) {
      case "rules" -> LlmSimulator.Answers.RULES;
      case "unusable" -> LlmSimulator.Answers.UNUSABLE;
      default -> throw Errors.config("command line", "--answers", "'" + value + "' is not one of rules, unusable");
    };
  }

  /** The Batch API's settings, each option checked by name. */
  private LlmSimulator.BatchSettings batchSettings() {
    if (batchDelayMs < 0) {
      throw Errors.config("command line", "--batch-delay-ms", "must be at least 0, cannot be: " + batchDelayMs);
    }
    if (!(batchLineErrorRate >= 0 && batchLineErrorRate <= 1)) {
      throw Errors.config("command line", "--batch-line-error-rate", "must be between 0 and 1, cannot be: "
          + batchLineErrorRate);
    }
    if (!(batchCompleteShare >= 0 && batchCompleteShare <= 1)) {
      throw Errors.config("command line", "--batch-complete-share", "must be between 0 and 1, cannot be: "
          + batchCompleteShare);
    }
    return new LlmSimulator.BatchSettings(batchDelayMs, batchLineErrorRate, batchCompleteShare);
  }

  /** The simulator's checks: the policy its answers come from, and its options' ranges. */
  private static String checkOptions(String policyPath, int port, String overCap, String answers, double[] rates) {
    answers(answers);
    if (port < 0 || port > 65535) {
      throw Errors.config("command line", "--port", "must be between 0 and 65535, cannot be: " + port);
    }
    if (!overCap.equals("queue") && !overCap.equals("reject")) {
      throw Errors.config("command line", "--over-cap", "'" + overCap + "' is not one of queue, reject");
    }
    for (double rate : rates) {
      if (rate < 0 || rate > 1) {
        throw Errors.config("command line", "--rate-*", "fault rates must be between 0 and 1, cannot be: " + rate);
      }
    }
    Policy policy = PolicyLoader.load(Path.of(policyPath));
    return "valid: simulate-llm (policy " + policy.id() + " v" + policy.version() + ")";
  }
}
