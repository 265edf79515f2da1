package io.ecolens.scorer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.ecolens.config.OpenAiSettings;
import java.util.List;
import java.util.Map;

/**
 * Where batches of requests go: a provider's Files and Batch APIs over HTTP ({@link BatchApi}), or
 * a folder that a self-hosted offline runner reads and writes ({@link BatchFolder}, for an endpoint
 * {@code file:///...}). Batches are OpenAI's objects: {@code id}, {@code status}, {@code
 * input_file_id}, {@code output_file_id}, {@code error_file_id}, {@code request_counts}.
 */
public interface BatchProvider {
  /** Stores {@code jsonl} as a batch input file named {@code filename}; returns the file id. */
  String upload(String filename, byte[] jsonl);

  /** Creates a batch of the input file {@code inputFileId}; returns the batch object. */
  JsonNode create(String inputFileId, Map<String, String> metadata);

  /** The batch object of {@code batchId}. */
  JsonNode get(String batchId);

  /** The batches created at or after {@code since} (epoch seconds), newest first. */
  List<JsonNode> list(long since);

  /** Asks the provider to stop {@code batchId}; what it answered stays in its output file. */
  void cancel(String batchId);

  /** The content of file {@code fileId} (a batch's output or error file) as text. */
  String content(String fileId);

  /** The provider {@code settings} name: a folder for a {@code file:} endpoint, else the endpoint's Batch API. */
  static BatchProvider of(OpenAiSettings settings) {
    return BatchFolder.handles(settings.endpoint()) ? new BatchFolder(settings.endpoint()) : new BatchApi(settings);
  }

  /** Whether a batch in {@code status} has ended: its output and error files are final. */
  static boolean finished(String status) {
    return switch (status) {
      case "completed", "failed", "expired", "cancelled" -> true;
      default -> false;
    };
  }
}
