package io.ecolens.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.run.RunContext;
import io.ecolens.tables.Table;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;

/**
 * A run's rows of {@code llm_batches}: every batch it sent through the provider's Batch API, with
 * the requests (and so the items) each holds. A batch is written here once its file is uploaded,
 * before it is created, and again once it is created, so a driver killed at any point finds it on
 * the next run and attaches to it instead of sending its items again. The rows are few (one per
 * batch); the run's rows are read and replaced whole, through JSON, which keeps the nested
 * {@code requests} column free of Scala collection types.
 */
final class BatchBook {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One batch of the run; mutable while the stage follows it. */
  static final class Entry {
    int round;
    String inputFileId;
    String batchId;
    String status;
    /** custom_id -> the content_ids of the request, in the order of its answer ids. */
    Map<String, List<String>> requests = new LinkedHashMap<>();
    long completedRequests;
    long failedRequests;
    long inputTokens;
    long outputTokens;
    double costUsd;
    Instant submittedAt;
    Instant finishedAt;
    Instant collectedAt;

    long itemCount() {
      return requests.values().stream().mapToLong(List::size).sum();
    }

    boolean collected() {
      return collectedAt != null;
    }

    /** Done with: ended now, and nothing more to read from it. */
    void markCollected() {
      finishedAt = Instant.now();
      collectedAt = finishedAt;
    }
  }

  private final RunContext ctx;
  /** The run's rows as this process last read or wrote them, in short; null before the first read. */
  private String seen;

  BatchBook(RunContext ctx) {
    this.ctx = ctx;
  }

  /** The run's batches, in the order they were submitted. */
  List<Entry> read() {
    List<String> rows = ctx.store().readRun(Table.LLM_BATCHES, ctx.runId()).orderBy("submitted_at", "input_file_id")
        .toJSON().collectAsList();
    List<Entry> entries = new ArrayList<>(rows.size());
    for (String row : rows) {
      entries.add(entry(parse(row)));
    }
    seen = fingerprint(entries);
    return entries;
  }

  /**
   * Replaces the run's rows with {@code entries}, in one commit, unless another process changed them
   * since this one last read or wrote them (two {@code score --collect} of one run at once): then the
   * stage stops rather than overwrite what the other recorded or send its items a second time.
   */
  void write(List<Entry> entries) {
    if (seen != null) {
      String now = fingerprint(new BatchBook(ctx).read());
      if (!now.equals(seen)) {
        throw otherProcess();
      }
    }
    seen = fingerprint(entries);
    List<String> json = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      json.add(row(e).toString());
    }
    Dataset<String> lines = ctx.spark().createDataset(json, Encoders.STRING());
    try {
      ctx.store().replaceRun(Table.LLM_BATCHES, ctx.runId(),
          ctx.spark().read().schema(Table.LLM_BATCHES.schema()).json(lines), false);
    } catch (io.delta.exceptions.DeltaConcurrentModificationException lost) {
      throw otherProcess(); // written again, it would overwrite what the other recorded
    }
  }

  private RuntimeException otherProcess() {
    return io.ecolens.Errors.stageFailed("score", "another score process is working on the batches of run "
        + ctx.runId() + " (its llm_batches rows changed meanwhile); let it finish, then run score --collect "
        + "--run-id " + ctx.runId() + " again if batches are left", null);
  }

  /** What identifies the state of a run's batches: each one's file, id, status and whether it was collected. */
  private static String fingerprint(List<Entry> entries) {
    return entries.stream().map(e -> e.inputFileId + "|" + e.batchId + "|" + e.status + "|" + e.collected())
        .sorted().reduce("", (a, b) -> a + "\n" + b);
  }

  private ObjectNode row(Entry e) {
    ObjectNode r = JSON.createObjectNode();
    r.put("run_id", ctx.runId());
    r.put("round", e.round);
    r.put("input_file_id", e.inputFileId);
    r.put("batch_id", e.batchId);
    r.put("status", e.status);
    ObjectNode requests = r.putObject("requests");
    e.requests.forEach((key, ids) -> ids.forEach(requests.putArray(key)::add));
    r.put("request_count", (long) e.requests.size());
    r.put("item_count", e.itemCount());
    r.put("completed_requests", e.completedRequests);
    r.put("failed_requests", e.failedRequests);
    r.put("input_tokens", e.inputTokens);
    r.put("output_tokens", e.outputTokens);
    r.put("cost_usd", e.costUsd);
    r.put("submitted_at", time(e.submittedAt));
    r.put("finished_at", time(e.finishedAt));
    r.put("collected_at", time(e.collectedAt));
    return r;
  }

  private static Entry entry(JsonNode r) {
    Entry e = new Entry();
    e.round = r.path("round").asInt(1);
    e.inputFileId = text(r, "input_file_id");
    e.batchId = text(r, "batch_id");
    e.status = text(r, "status");
    r.path("requests").fields().forEachRemaining(f -> {
      List<String> ids = new ArrayList<>();
      f.getValue().forEach(id -> ids.add(id.asText()));
      e.requests.put(f.getKey(), ids);
    });
    e.completedRequests = r.path("completed_requests").asLong();
    e.failedRequests = r.path("failed_requests").asLong();
    e.inputTokens = r.path("input_tokens").asLong();
    e.outputTokens = r.path("output_tokens").asLong();
    e.costUsd = r.path("cost_usd").asDouble();
    e.submittedAt = instant(r, "submitted_at");
    e.finishedAt = instant(r, "finished_at");
    e.collectedAt = instant(r, "collected_at");
    return e;
  }

  private static String text(JsonNode r, String field) {
    JsonNode v = r.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String time(Instant t) {
    return t == null ? null : t.toString();
  }

  /** Spark writes timestamps with the session's zone offset; both forms are ISO-8601. */
  private static Instant instant(JsonNode r, String field) {
    String v = text(r, field);
    return v == null ? null : java.time.OffsetDateTime.parse(v).toInstant();
  }

  private static JsonNode parse(String row) {
    try {
      return JSON.readTree(row);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable llm_batches row: " + row, e);
    }
  }
}
