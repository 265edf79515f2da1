package io.ecolens.simulator;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI's Batch API for {@code /v1/chat/completions}: {@code POST /v1/batches}, {@code GET
 * /v1/batches[?limit=&after=]}, {@code GET /v1/batches/{id}}, {@code POST /v1/batches/{id}/cancel}.
 * Each line is answered as the online endpoint would ({@link SimCompletions}), without its pacing
 * or injected faults; the batch settings' line error rate stands in for those. A scheduler ends
 * each batch its delay after creation (a GET after that ends it too, should the scheduler lag).
 * Lines not done when a batch is cancelled are left out of both files, as OpenAI does.
 */
final class SimBatches implements AutoCloseable {
  static final String ENDPOINT = "/v1/chat/completions";
  /** Matches the Batch API's paths, with or without a batch id and {@code /cancel}. */
  static final Pattern PATH = Pattern.compile(".*/batches(?:/([^/]+)(/cancel)?)?/?");

  private final Map<String, SimBatch> batches = new ConcurrentHashMap<>();
  private final AtomicLong batchIds = new AtomicLong();
  private final AtomicLong lineIds = new AtomicLong();
  private final SimFiles files;
  private final SimCompletions completions;
  private final LlmSimulator.BatchSettings settings;
  private final long seed;
  private final SimCounters counters;
  private final ScheduledExecutorService clock;

  SimBatches(SimFiles files, SimCompletions completions, LlmSimulator.Settings settings, SimCounters counters) {
    this.files = files;
    this.completions = completions;
    this.settings = settings.batches();
    this.seed = settings.seed();
    this.counters = counters;
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "llm-sim-batches");
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    this.clock = pool;
  }

  /** Answers a request whose path {@link #PATH} matched as {@code m}. */
  void route(SimHttpServer.Exchange ex, Matcher m) {
    String id = m.group(1);
    boolean cancel = m.group(2) != null;
    String method = ex.method();
    if (id == null && method.equals("POST")) {
      create(ex);
    } else if (id == null && method.equals("GET")) {
      list(ex);
    } else if (id != null && !batches.containsKey(id)) {
      SimFiles.json(ex, 404, SimAnswers.error("No batch found with id '" + id + "'.", "not_found"));
    } else if (!cancel && method.equals("GET")) {
      SimBatch b = batches.get(id);
      advance(b);
      SimFiles.json(ex, 200, b.json().toString());
    } else if (cancel && method.equals("POST")) {
      SimBatch b = batches.get(id);
      advance(b);
      if (b.cancel()) {
        clock.execute(() -> advance(b));
        SimFiles.json(ex, 200, b.json().toString());
      } else {
        SimFiles.json(ex, 409, SimAnswers.error("Cannot cancel a batch with status '" + b.status().wire() + "'.",
            "invalid_request_error"));
      }
    } else {
      SimFiles.json(ex, 405, SimAnswers.error("Method " + method + " is not allowed on " + ex.path(),
          "invalid_request_error"));
    }
  }

  private void create(SimHttpServer.Exchange ex) {
    JsonNode body;
    try {
      body = SimAnswers.JSON.readTree(ex.body());
    } catch (IOException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      SimFiles.json(ex, 400, SimAnswers.error("The request body must be a JSON object.", "invalid_request_error"));
      return;
    }
    String fileId = body.path("input_file_id").asText(null);
    String endpoint = body.path("endpoint").asText(null);
    String window = body.path("completion_window").asText(null);
    JsonNode metadata = body.get("metadata");
    String missing = fileId == null ? "input_file_id" : endpoint == null ? "endpoint"
        : window == null ? "completion_window" : null;
    SimFiles.StoredFile file = fileId == null ? null : files.find(fileId);
    if (missing != null) {
      SimFiles.json(ex, 400, SimAnswers.error("Missing required parameter: '" + missing + "'.",
          "missing_required_parameter"));
    } else if (!endpoint.equals(ENDPOINT)) {
      SimFiles.json(ex, 400, SimAnswers.error("Invalid value for 'endpoint': '" + endpoint + "'. The simulator "
          + "runs batches for '" + ENDPOINT + "' only.", "invalid_request_error"));
    } else if (!window.equals("24h")) {
      SimFiles.json(ex, 400, SimAnswers.error("Invalid value for 'completion_window': '" + window
          + "'. Supported values are: '24h'.", "invalid_request_error"));
    } else if (metadata != null && !metadata.isObject() && !metadata.isNull()) {
      SimFiles.json(ex, 400, SimAnswers.error("Invalid type for 'metadata': expected an object.",
          "invalid_request_error"));
    } else if (file == null) {
      SimFiles.json(ex, 404, SimAnswers.error("No such File object: " + fileId, "not_found"));
    } else if (!file.purpose().equals("batch")) {
      SimFiles.json(ex, 400, SimAnswers.error("File " + fileId + " has purpose '" + file.purpose()
          + "'; a batch's input file must have purpose 'batch'.", "invalid_request_error"));
    } else {
      SimBatchInput input = SimBatchInput.read(file.content(), ENDPOINT, completions, settings.lineErrorRate(),
          seed);
      SimBatch b = new SimBatch(batchIds.incrementAndGet(), ENDPOINT, fileId, window,
          metadata == null || metadata.isNull() ? null : metadata, input, settings);
      counters.batchesCreated.incrementAndGet();
      counters.batchLines.addAndGet(input.lines().size() + input.errors().stream()
          .filter(e -> e.line() != null).count());
      counters.batchItems.addAndGet(input.items());
      String created = b.json().toString(); // validating, as OpenAI answers the creation
      batches.put(b.id, b);
      clock.execute(() -> advance(b));
      clock.schedule(() -> advance(b), b.msToEnd(), TimeUnit.MILLISECONDS);
      SimFiles.json(ex, 200, created);
    }
  }

  /** Newest first; {@code after} is the last id of the previous page. */
  private void list(SimHttpServer.Exchange ex) {
    int limit = 20;
    String after = null;
    String query = ex.rawQuery();
    for (String pair : query == null ? new String[0] : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (key.equals("limit")) {
        try {
          limit = Integer.parseInt(value);
        } catch (NumberFormatException e) {
          limit = -1;
        }
      } else if (key.equals("after")) {
        after = value;
      }
    }
    if (limit < 1 || limit > 100) {
      SimFiles.json(ex, 400, SimAnswers.error("Invalid 'limit': must be between 1 and 100.",
          "invalid_request_error"));
      return;
    }
    SimBatch cursor = after == null ? null : batches.get(after);
    if (after != null && cursor == null) {
      SimFiles.json(ex, 400, SimAnswers.error("Invalid 'after': no batch found with id '" + after + "'.",
          "invalid_request_error"));
      return;
    }
    List<SimBatch> older = batches.values().stream()
        .filter(b -> cursor == null || b.seq < cursor.seq)
        .sorted(Comparator.comparingLong((SimBatch b) -> b.seq).reversed())
        .toList();
    List<SimBatch> page = older.subList(0, Math.min(limit, older.size()));
    ObjectNode list = SimAnswers.JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (SimBatch b : page) {
      advance(b);
      data.add(b.json());
    }
    list.put("first_id", page.isEmpty() ? null : page.get(0).id)
        .put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).id)
        .put("has_more", older.size() > page.size());
    SimFiles.json(ex, 200, list.toString());
  }

  /** Moves {@code b} on; when it ends, writes its output and error files. Never throws. */
  private void advance(SimBatch b) {
    SimBatch.Finish finish = b.step();
    if (finish == null) {
      return;
    }
    ByteArrayBuilder output = new ByteArrayBuilder();
    ByteArrayBuilder errors = new ByteArrayBuilder();
    List<SimBatchInput.Line> lines = b.input.lines();
    try {
      for (int i = 0; i < lines.size(); i++) {
        SimBatchInput.Line line = lines.get(i);
        if (i < finish.done()) {
          answer(line, line.outcome() == SimBatchInput.Outcome.OK ? output : errors);
        } else if (finish.then() == SimBatch.Status.EXPIRED) {
          expired(line, errors);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a line the simulator cannot write is a simulator bug: say so in the error file rather than hang
      errors.write(("{\"error\":" + SimAnswers.error("simulator error: " + e, "server_error") + "}\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    b.finished(finish, store(b, "output", output), store(b, "error", errors));
  }

  private String store(SimBatch b, String kind, ByteArrayBuilder content) {
    if (content.size() == 0) {
      return null;
    }
    return files.store(b.id + "_" + kind + ".jsonl", "batch_output", content.toByteArray()).id();
  }

  /** {"id","custom_id","response":{"status_code","request_id","body"},"error":null}. */
  private void answer(SimBatchInput.Line line, ByteArrayBuilder out) throws IOException {
    int status;
    byte[] body;
    switch (line.outcome()) {
      case UNREADABLE -> {
        status = 400;
        body = utf8(SimCompletions.unreadable());
      }
      case WRONG_MODEL -> {
        status = 404;
        body = utf8(completions.wrongModel(line.request()));
      }
      case FAILED -> {
        status = 500;
        body = utf8(SimAnswers.error("The server had an error while processing your request (injected)",
            "server_error"));
      }
      default -> {
        status = 200;
        body = completions.answer(line.request(), line.items()).body();
      }
    }
    try (JsonGenerator g = start(line, out)) {
      g.writeObjectFieldStart("response");
      g.writeNumberField("status_code", status);
      g.writeStringField("request_id", String.format("req_sim%016d", lineIds.get()));
      g.writeFieldName("body");
      g.writeRawValue(new String(body, StandardCharsets.UTF_8));
      g.writeEndObject();
      g.writeNullField("error");
      g.writeEndObject();
    }
    out.write('\n');
  }

  /** {"id","custom_id","response":null,"error":{"code":"batch_expired","message"}}. */
  private void expired(SimBatchInput.Line line, ByteArrayBuilder out) throws IOException {
    try (JsonGenerator g = start(line, out)) {
      g.writeNullField("response");
      g.writeObjectFieldStart("error");
      g.writeStringField("code", "batch_expired");
      g.writeStringField("message", "This request could not be executed before the completion window expired.");
      g.writeEndObject();
      g.writeEndObject();
    }
    out.write('\n');
  }

  /** A result line's generator, its object opened with the line's ids written. */
  private JsonGenerator start(SimBatchInput.Line line, ByteArrayBuilder out) throws IOException {
    JsonGenerator g = SimAnswers.JSON.getFactory().createGenerator(out);
    g.writeStartObject();
    g.writeStringField("id", String.format("batch_req_sim%016d", lineIds.incrementAndGet()));
    g.writeStringField("custom_id", line.customId());
    return g;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    clock.shutdownNow();
  }
}
