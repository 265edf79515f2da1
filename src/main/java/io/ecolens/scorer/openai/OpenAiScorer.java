package io.ecolens.scorer.openai;

import io.ecolens.config.OpenAiSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.ecolens.Errors;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scorer;
import io.ecolens.scorer.Scored;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.ScoringTask;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongConsumer;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * The {@code openai} scorer: any OpenAI-compatible chat-completions endpoint (vLLM, Ollama,
 * llama.cpp server, OpenAI, Azure OpenAI). Built once per executor JVM; each task drives its own
 * {@link FanOut} with its share of the global limits ({@link #scorePartition}).
 */
public final class OpenAiScorer implements Scorer {
  private final OpenAiSettings settings;
  private final Policy policy;
  private final PromptBuilder prompt;
  private final OpenAiClient client;

  public OpenAiScorer(OpenAiSettings settings, Policy policy) {
    this.settings = settings;
    this.policy = policy;
    this.prompt = new PromptBuilder(policy);
    this.client = new OpenAiClient(settings);
  }

  @Override
  public String type() {
    return "openai";
  }

  @Override
  public String model() {
    return settings.model();
  }

  /** Scores a batch with the whole global budget (one caller). */
  @Override
  public List<CategoryScore> score(List<ScoringItem> items) {
    List<CategoryScore> out = new ArrayList<>();
    fanOut(items.iterator(), TaskShare.of(settings, 1, 0), n -> { }).forEachRemaining(s -> out.addAll(s.scores()));
    return out;
  }

  /**
   * Many requests in flight, within partition {@code task.partition()}'s share of the global limits,
   * pooled with the scoring's other tasks in this JVM ({@code task.limitGroup()}, {@link InFlightPool}).
   */
  @Override
  public Iterator<Scored> scorePartition(Iterator<ScoringItem> items, ScoringTask task, LongConsumer itemsDone) {
    FanOut fanOut = fanOut(items, TaskShare.of(settings, task.tasks(), task.partition()), task.limitGroup(),
        itemsDone);
    TaskContext spark = TaskContext.get();
    if (spark != null) {
      spark.addTaskCompletionListener((TaskCompletionListener) ended -> fanOut.close()); // also on failure or kill
    }
    return fanOut;
  }

  @Override
  public boolean remote() {
    return true;
  }

  /** Scores a task's items lazily with the task's share of the limits, sharing it with no other task. */
  public FanOut fanOut(Iterator<ScoringItem> items, TaskShare share, LongConsumer itemsDone) {
    return fanOut(items, share, InFlightPool.newGroup(), itemsDone);
  }

  /**
   * Scores a task's items lazily with the task's share of the limits, lending and borrowing unused
   * in-flight requests among the tasks of {@code group} in this JVM.
   */
  public FanOut fanOut(Iterator<ScoringItem> items, TaskShare share, String group, LongConsumer itemsDone) {
    return new FanOut(items, client, prompt, settings, policy, share, group, itemsDone);
  }

  /**
   * Checks, before any item is sent, what would otherwise fail every request: an unreachable
   * endpoint, refused credentials, or a model the endpoint does not serve. Endpoints without
   * {@code /models} (some proxies) are let through.
   */
  public static void preflight(OpenAiSettings settings) {
    OpenAiClient client = new OpenAiClient(settings);
    HttpResponse<String> r;
    try {
      r = client.models();
    } catch (java.io.IOException e) {
      throw Errors.stageFailed("score", "cannot reach the LLM endpoint " + settings.endpoint() + " ("
          + e.getClass().getSimpleName() + ": " + client.scrub(String.valueOf(e.getMessage()))
          + "). Check score.openai.endpoint and that the server is running.", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Errors.stageFailed("score", "interrupted while checking " + settings.endpoint(), e);
    }
    int status = r.statusCode();
    if (status == 401 || status == 403) {
      throw Errors.stageFailed("score", "the endpoint " + settings.endpoint() + " refused the credentials (HTTP "
          + status + ")" + (client.hasKey() ? "" : "; no API key was found") + ". Set a valid key in "
          + OpenAiClient.keySources(settings) + ".", null);
    }
    if (status != 200) {
      return;
    }
    List<String> served = new ArrayList<>();
    try {
      for (JsonNode m : PromptBuilder.JSON.readTree(r.body()).path("data")) {
        served.add(m.path("id").asText());
      }
    } catch (Exception unreadable) {
      return;
    }
    if (!served.isEmpty() && !served.contains(settings.model())) {
      throw Errors.stageFailed("score", "the endpoint " + settings.endpoint() + " does not serve model '"
          + settings.model() + "'; it serves: " + String.join(", ", served.subList(0, Math.min(20, served.size())))
          + ". Fix score.openai.model.", null);
    }
  }
}
