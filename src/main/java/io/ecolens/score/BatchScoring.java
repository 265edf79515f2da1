package io.ecolens.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ecolens.config.OpenAiSettings;
import io.ecolens.run.RunContext;
import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.ScoreRow;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.openai.BatchProvider;
import io.ecolens.scorer.openai.BatchRequests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a run's items through the provider's Batch API ({@code score.openai.mode: batch}), on the
 * driver: the requests the online path would send are written as JSONL files within the provider's
 * limits, uploaded, and created as batches, each recorded in {@code llm_batches} ({@link BatchBook})
 * before anything waits on it. Then the batches are polled (backing off up to {@code
 * batch-poll-seconds}); a batch that has ended is collected: its output and error files are read
 * line by line with the online path's answer checks, its rows appended to {@code scores} in one
 * commit, and it is marked collected. Items it could not answer (expired, cancelled, 5xx, missing
 * or malformed in an answer) go out again in a batch of the next round, or online with {@code
 * batch-fallback: online}, until {@code max-attempts}.
 *
 * <p>Never twice: the items handed in are those with no {@code ok} row under the cache key (the
 * ledger), and of them, those in a batch of this run not yet collected are followed, not sent.
 */
final class BatchScoring {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScoring.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How far before a batch's upload the provider's list is searched for the batch, in seconds (clocks differ). */
  private static final long ORPHAN_SLACK_SECONDS = 3600;

  /** Where the run's batches stand when the stage returns: items still at the provider, and items left to score online. */
  record Outcome(long awaitingItems, int awaitingBatches, List<String> online) {}

  private final RunContext ctx;
  private final ScoreLedger ledger;
  private final OpenAiSettings settings;
  private final ScoreStage.BatchStep step;
  private final BatchProvider api;
  private final BatchRequests render;
  private final BatchBook book;
  private final Map<String, ScoringItem> items = new LinkedHashMap<>();
  private final List<BatchBook.Entry> entries;
  private final List<String> online = new ArrayList<>();

  BatchScoring(RunContext ctx, ScorerSpec spec, ScoreLedger ledger, ScoreStage.BatchStep step) {
    this.ctx = ctx;
    this.ledger = ledger;
    this.settings = spec.openai();
    this.step = step;
    this.api = BatchProvider.of(settings);
    this.render = new BatchRequests(settings, spec.policy());
    this.book = new BatchBook(ctx);
    this.entries = book.read();
  }

  Outcome score(Dataset<Row> toScore) {
    toScore.as(Encoders.bean(ScoringItem.class)).collectAsList().stream()
        .sorted(Comparator.comparing(ScoringItem::getContentId))
        .forEach(item -> items.put(item.getContentId(), item));
    attachOrphans();
    Set<String> following = new HashSet<>();
    for (BatchBook.Entry e : entries) {
      if (!e.collected()) {
        e.requests.forEach((key, ids) -> {
          if (current(key, ids)) {
            following.addAll(ids);
          }
        });
      }
    }
    supersede();
    List<ScoringItem> fresh = items.values().stream().filter(i -> !following.contains(i.getContentId())).toList();
    if (!following.isEmpty()) {
      LOG.info("score: following {} batches of this run already at the provider", awaiting());
    }
    submit(fresh, 1, false);
    long wait = TimeUnit.SECONDS.toMillis(1);
    while (step != ScoreStage.BatchStep.SUBMIT && awaiting() > 0) {
      pollOnce();
      if (awaiting() == 0 || step == ScoreStage.BatchStep.COLLECT) {
        break;
      }
      sleep(wait);
      wait = Math.min(wait * 2, TimeUnit.SECONDS.toMillis(settings.batchPollSeconds()));
    }
    long awaitingItems = entries.stream().filter(e -> !e.collected()).mapToLong(BatchBook.Entry::itemCount).sum();
    return new Outcome(awaitingItems, (int) awaiting(), online);
  }

  /**
   * Whether a request of a batch in flight still asks what this run needs: its items are all still
   * to score and its key is the one they would get now (same text, model and prompt). Else its
   * answers do not count, and those of its items still to score are sent anew.
   */
  private boolean current(String key, List<String> ids) {
    if (!ids.stream().allMatch(items::containsKey)) {
      return false;
    }
    return render.customId(ids.stream().map(items::get).toList()).equals(key);
  }

  /** Whether any request of the batch still counts (see {@link #current}). */
  private boolean counts(BatchBook.Entry e) {
    return e.requests.entrySet().stream().anyMatch(r -> current(r.getKey(), r.getValue()));
  }

  /** Stops following the batches in flight none of whose requests counts any more; they are cancelled. */
  private void supersede() {
    for (BatchBook.Entry e : entries) {
      if (!e.collected() && e.batchId != null
          && !counts(e)) {
        LOG.info("score: batch {} asks about items no longer to score (scored meanwhile, edited, or another model or "
            + "prompt); its answers are not used", e.batchId);
        try {
          JsonNode batch = api.get(e.batchId);
          if (BatchProvider.finished(batch.path("status").asText())) {
            bill(e, answers(batch)); // it ran: what it cost counts
          } else {
            api.cancel(e.batchId);
          }
        } catch (RuntimeException gone) {
          LOG.info("score: batch {} could not be read or cancelled ({})", e.batchId, gone.getMessage());
        }
        e.status = "superseded";
        e.markCollected();
        book.write(entries);
      }
    }
  }

  /**
   * Adds the usage of every request answered in an ended batch's file {@code lines} (its first line
   * when there are two) to its entry, priced at the batch price: counting for the run or not, it was paid for.
   */
  private void bill(BatchBook.Entry e, List<JsonNode> lines) {
    Set<String> billed = new HashSet<>();
    for (JsonNode answer : lines) {
      if (billed.add(answer.path("custom_id").asText())) {
        addUsage(e, answer);
      }
    }
    e.costUsd = settings.batchCost(e.inputTokens, e.outputTokens);
  }

  private static void addUsage(BatchBook.Entry e, JsonNode answer) {
    e.inputTokens += answer.path("response").path("body").path("usage").path("prompt_tokens").asLong();
    e.outputTokens += answer.path("response").path("body").path("usage").path("completion_tokens").asLong();
  }

  /** The lines of an ended batch's output and error files. */
  private List<JsonNode> answers(JsonNode batch) {
    List<JsonNode> lines = new ArrayList<>();
    for (String file : new String[] {batch.path("output_file_id").asText(null), batch.path("error_file_id").asText(null)}) {
      if (file != null && !file.isBlank() && !file.equals("null")) {
        for (String line : api.content(file).split("\n")) {
          if (!line.isBlank()) {
            lines.add(parse(line));
          }
        }
      }
    }
    return lines;
  }

  /**
   * Creates the batch of an uploaded file; when the answer is lost or refused, the batch may exist
   * all the same, so it is looked for by its input file before the failure stands.
   */
  private JsonNode createOrFind(BatchBook.Entry e) {
    try {
      return api.create(e.inputFileId, metadata(e.round));
    } catch (RuntimeException failed) {
      JsonNode found = findByInputFile(e);
      if (found == null) {
        throw failed;
      }
      LOG.info("score: creating the batch of {} failed ({}), but the provider has it: {}", e.inputFileId,
          failed.getMessage(), found.path("id").asText());
      return found;
    }
  }

  private JsonNode findByInputFile(BatchBook.Entry e) {
    long since = (e.submittedAt == null ? 0 : e.submittedAt.getEpochSecond()) - ORPHAN_SLACK_SECONDS;
    for (JsonNode b : api.list(since)) {
      if (e.inputFileId.equals(b.path("input_file_id").asText())) {
        return b;
      }
    }
    return null;
  }

  private long awaiting() {
    return entries.stream().filter(e -> !e.collected()).count();
  }

  /** Creates the batches whose file was uploaded but whose creation was not recorded, unless the provider has them. */
  private void attachOrphans() {
    for (BatchBook.Entry e : entries) {
      if (e.batchId != null || e.collected()) {
        continue;
      }
      JsonNode created = findByInputFile(e);
      if (created != null) {
        LOG.info("score: batch {} of file {} was created before the driver stopped; following it",
            created.path("id").asText(), e.inputFileId);
      } else if (!counts(e)) {
        e.status = "superseded"; // uploaded, never created, and no longer asking what the run needs
        e.markCollected();
        book.write(entries);
        continue;
      } else {
        created = createOrFind(e);
      }
      e.batchId = created.path("id").asText();
      e.status = created.path("status").asText();
      book.write(entries);
    }
  }

  /** Sends {@code some} items in new batches of round {@code round}, each recorded before and after its creation. */
  private void submit(List<ScoringItem> some, int round, boolean alone) {
    if (some.isEmpty()) {
      return;
    }
    List<List<BatchRequests.Request>> files = render.files(render.requests(some, alone));
    for (int f = 0; f < files.size(); f++) {
      List<BatchRequests.Request> file = files.get(f);
      BatchBook.Entry e = new BatchBook.Entry();
      e.round = round;
      for (BatchRequests.Request r : file) {
        e.requests.put(r.customId(), r.items().stream().map(ScoringItem::getContentId).toList());
      }
      String name = "ecolens-" + ctx.runId() + "-r" + round + "-" + System.currentTimeMillis() + "-" + f + ".jsonl";
      e.inputFileId = api.upload(name, BatchRequests.jsonl(file));
      e.status = "uploaded";
      e.submittedAt = Instant.now();
      entries.add(e);
      book.write(entries); // before the batch exists: a driver killed from here on finds the file and attaches
      JsonNode created = createOrFind(e);
      e.batchId = created.path("id").asText();
      e.status = created.path("status").asText();
      book.write(entries);
      LOG.info("score: submitted batch {} (round {}): {} requests, {} items", e.batchId, round, file.size(),
          e.itemCount());
    }
  }

  private Map<String, String> metadata(int round) {
    return Map.of("ecolens_run", ctx.runId(), "ecolens_round", String.valueOf(round));
  }

  /** Reads the state of every batch not yet collected and collects those that have ended. */
  private void pollOnce() {
    for (BatchBook.Entry e : new ArrayList<>(entries)) {
      if (e.collected()) {
        continue;
      }
      JsonNode batch = api.get(e.batchId);
      String status = batch.path("status").asText();
      if (!status.equals(e.status)) {
        LOG.info("score: batch {} is {} ({} of {} requests done)", e.batchId, status,
            batch.path("request_counts").path("completed").asLong(), e.requests.size());
      }
      e.status = status;
      if (BatchProvider.finished(status)) {
        collect(e, batch);
      }
    }
  }

  /** Appends an ended batch's rows, marks it collected, then sends what it could not answer again. */
  private void collect(BatchBook.Entry e, JsonNode batch) {
    JsonNode refusal = batch.path("errors").path("data").path(0);
    if (e.status.equals("failed") && !refusal.isMissingNode() && !refusal.path("code").asText().contains("limit")) {
      // the batch's lines themselves were refused (bad lines, an unknown model): sending them again would fail
      // the same way. It is marked collected first, so that a run after the fix sends its items anew.
      e.markCollected();
      book.write(entries);
      throw io.ecolens.Errors.stageFailed("score", "the provider refused batch " + e.batchId + " of run "
          + ctx.runId() + ": " + refusal.path("code").asText() + " " + refusal.path("message").asText()
          + (refusal.hasNonNull("line") ? " (line " + refusal.path("line").asText() + ")" : "")
          + ". Check score.openai.model and the requests, then run score again with the same run id", null);
    }
    Map<String, BatchRequests.Request> requests = new LinkedHashMap<>();
    e.requests.forEach((key, ids) -> {
      if (current(key, ids)) {
        requests.put(key, new BatchRequests.Request(key, ids.stream().map(items::get).toList(), new byte[0]));
      }
    });
    List<CategoryScore> rows = new ArrayList<>();
    List<ScoringItem> again = new ArrayList<>();
    List<ScoringItem> againAlone = new ArrayList<>();
    Set<String> answered = new HashSet<>();
    List<JsonNode> lines = answers(batch);
    bill(e, lines);
    for (JsonNode answer : lines) {
      String key = answer.path("custom_id").asText();
      BatchRequests.Request request = requests.get(key);
      if (request == null || !answered.add(key)) {
        continue; // paid for, but no longer counting (see current), or a second line of one request
      }
      BatchRequests.Outcome o = render.read(answer, request, e.round);
      rows.addAll(o.rows());
      (o.alone() ? againAlone : again).addAll(o.again());
    }
    String unanswered = "batch " + e.status + (batch.path("errors").path("data").isEmpty() ? ""
        : ": " + batch.path("errors").path("data").get(0).path("message").asText());
    for (BatchRequests.Request request : requests.values()) {
      if (!answered.contains(request.customId())) {
        BatchRequests.Outcome o = render.read(JSON.createObjectNode().set("error", JSON.createObjectNode()
            .put("code", "no_answer").put("message", unanswered)), request, e.round);
        rows.addAll(o.rows());
        again.addAll(o.again());
      }
    }
    append(rows);
    rows.forEach(r -> items.remove(r.contentId()));
    JsonNode counts = batch.path("request_counts");
    e.completedRequests = counts.path("completed").asLong();
    e.failedRequests = Math.max(0, e.requests.size() - e.completedRequests);
    e.markCollected();
    book.write(entries);
    LOG.info("score: collected batch {} ({}): {} items scored or failed, {} to send again", e.batchId, e.status,
        rows.stream().map(CategoryScore::contentId).distinct().count(), again.size() + againAlone.size());
    if (settings.batchFallsBackOnline()) {
      again.forEach(i -> online.add(i.getContentId()));
      againAlone.forEach(i -> online.add(i.getContentId()));
    } else {
      submit(again, e.round + 1, false);
      submit(againAlone, e.round + 1, true);
    }
  }

  private void append(List<CategoryScore> scores) {
    if (scores.isEmpty()) {
      return;
    }
    List<ScoreRow> rows = new ArrayList<>(scores.size());
    for (CategoryScore s : scores) {
      rows.add(ScoreRow.of(items.get(s.contentId()), s));
    }
    ledger.appendScoredOnce(ctx.spark().createDataFrame(rows, ScoreRow.class));
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable line in a batch's output: " + line, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the run's batches", e);
    }
  }
}
