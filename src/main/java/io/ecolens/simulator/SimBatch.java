package io.ecolens.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.TimeUnit;

/**
 * One batch's state, as OpenAI's batch object shows it. Its lines are done one after another over
 * {@code delayMs} from creation: the first {@code floor(completeShare × lines)} of them, the rest
 * never (the batch then ends {@code expired}). Every change happens in {@link #step} and {@link
 * #cancel}, under this object's lock; the answers are written outside it, between {@link #step}
 * handing out a {@link Finish} and {@link #finished}.
 */
final class SimBatch {
  /** OpenAI's completion window, of which the simulator's {@code delayMs} is the compressed stand-in. */
  static final long WINDOW_SECONDS = TimeUnit.HOURS.toSeconds(24);

  /** The batch statuses, named as OpenAI's API writes them. */
  enum Status {
    VALIDATING, FAILED, IN_PROGRESS, FINALIZING, COMPLETED, EXPIRED, CANCELLING, CANCELLED;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The answers to write: the first {@code done} lines answered, the rest expired or left out. */
  record Finish(int done, Status then) {}

  final String id;
  final long seq;
  final String endpoint;
  final String inputFileId;
  final String window;
  final JsonNode metadata;
  final SimBatchInput input;
  private final long createdNanos = System.nanoTime();
  private final long createdAt = epochSeconds();
  private final long delayMs;
  private final int doneByDelay;
  private final int[] okBefore; // okBefore[i]: lines answered 200 among the first i
  private Status status = Status.VALIDATING;
  private boolean finishing;
  private int doneAtCancel;
  private Long inProgressAt;
  private Long finalizingAt;
  private Long completedAt;
  private Long failedAt;
  private Long expiredAt;
  private Long cancellingAt;
  private Long cancelledAt;
  private String outputFileId;
  private String errorFileId;

  SimBatch(long seq, String endpoint, String inputFileId, String window, JsonNode metadata, SimBatchInput input,
      LlmSimulator.BatchSettings settings) {
    this.id = String.format("batch_sim%016d", seq);
    this.seq = seq;
    this.endpoint = endpoint;
    this.inputFileId = inputFileId;
    this.window = window;
    this.metadata = metadata;
    this.input = input;
    this.delayMs = settings.delayMs();
    int n = input.lines().size();
    this.doneByDelay = settings.completeShare() >= 1 ? n : (int) Math.floor(settings.completeShare() * n);
    this.okBefore = new int[n + 1];
    for (int i = 0; i < n; i++) {
      okBefore[i + 1] = okBefore[i] + (input.lines().get(i).outcome() == SimBatchInput.Outcome.OK ? 1 : 0);
    }
  }

  /**
   * Moves the batch on as the time says: out of validation at once, and to its end once {@code
   * delayMs} have passed or it was cancelled. Returns the answers to write when the end has come
   * (once only), else null.
   */
  synchronized Finish step() {
    long now = epochSeconds();
    if (status == Status.VALIDATING) {
      if (!input.errors().isEmpty()) {
        status = Status.FAILED;
        failedAt = now;
        return null;
      }
      status = Status.IN_PROGRESS;
      inProgressAt = now;
    }
    if (finishing) {
      return null;
    }
    if (status == Status.IN_PROGRESS && elapsedMs() >= delayMs) {
      finishing = true;
      status = Status.FINALIZING;
      finalizingAt = now;
      return new Finish(doneByDelay, doneByDelay == lines() ? Status.COMPLETED : Status.EXPIRED);
    }
    if (status == Status.CANCELLING) {
      finishing = true;
      return new Finish(doneAtCancel, Status.CANCELLED);
    }
    return null;
  }

  /** Records the files written for {@code finish} and ends the batch. */
  synchronized void finished(Finish finish, String outputFile, String errorFile) {
    outputFileId = outputFile;
    errorFileId = errorFile;
    status = finish.then();
    long now = epochSeconds();
    switch (status) {
      case COMPLETED -> completedAt = now;
      case EXPIRED -> expiredAt = now;
      default -> cancelledAt = now;
    }
  }

  /** Asks the batch to stop; false when it has already ended or is being finished. */
  synchronized boolean cancel() {
    if (status == Status.CANCELLING || status == Status.CANCELLED) {
      return true;
    }
    if (finishing || (status != Status.VALIDATING && status != Status.IN_PROGRESS)) {
      return false;
    }
    doneAtCancel = status == Status.IN_PROGRESS ? done() : 0;
    status = Status.CANCELLING;
    cancellingAt = epochSeconds();
    return true;
  }

  synchronized Status status() {
    return status;
  }

  /** The batch object, as OpenAI's API writes it. */
  synchronized ObjectNode json() {
    ObjectNode o = SimAnswers.JSON.createObjectNode();
    o.put("id", id).put("object", "batch").put("endpoint", endpoint);
    if (input.errors().isEmpty() || status != Status.FAILED) {
      o.putNull("errors");
    } else {
      ObjectNode errors = o.putObject("errors").put("object", "list");
      ArrayNode data = errors.putArray("data");
      for (SimBatchInput.LineError e : input.errors()) {
        ObjectNode d = data.addObject().put("code", e.code()).put("message", e.message()).putNull("param");
        if (e.line() == null) {
          d.putNull("line");
        } else {
          d.put("line", e.line());
        }
      }
    }
    o.put("input_file_id", inputFileId).put("completion_window", window).put("status", status.wire())
        .put("output_file_id", outputFileId).put("error_file_id", errorFileId).put("created_at", createdAt)
        .put("in_progress_at", inProgressAt).put("expires_at", createdAt + WINDOW_SECONDS)
        .put("finalizing_at", finalizingAt).put("completed_at", completedAt).put("failed_at", failedAt)
        .put("expired_at", expiredAt).put("cancelling_at", cancellingAt).put("cancelled_at", cancelledAt);
    requestCounts(o.putObject("request_counts"));
    o.set("metadata", metadata);
    return o;
  }

  /** Failed counts the lines in the error file: failed answers, and at expiry the lines never done. */
  private void requestCounts(ObjectNode counts) {
    int total = status == Status.VALIDATING || status == Status.FAILED ? 0 : lines();
    int done = switch (status) {
      case VALIDATING, FAILED -> 0;
      case IN_PROGRESS -> done();
      case CANCELLING, CANCELLED -> doneAtCancel;
      default -> doneByDelay;
    };
    int completed = okBefore[done];
    int failed = status == Status.EXPIRED || (status == Status.FINALIZING && doneByDelay < lines())
        ? total - completed : done - completed;
    counts.put("total", total).put("completed", completed).put("failed", failed);
  }

  /** Lines done by now while in progress, one after another over the delay. */
  private int done() {
    if (delayMs == 0 || elapsedMs() >= delayMs) {
      return doneByDelay;
    }
    return (int) (doneByDelay * elapsedMs() / delayMs);
  }

  private int lines() {
    return input.lines().size();
  }

  /** Milliseconds since creation, on the monotonic clock. */
  long elapsedMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - createdNanos);
  }

  /** The milliseconds left until the batch ends, from now. */
  long msToEnd() {
    return Math.max(0, delayMs - elapsedMs());
  }

  private static long epochSeconds() {
    return System.currentTimeMillis() / 1000;
  }
}
