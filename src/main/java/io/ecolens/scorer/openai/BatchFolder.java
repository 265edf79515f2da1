package io.ecolens.scorer.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.Errors;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Batches as files in a folder ({@code score.openai.endpoint: file:///path/to/folder}), for a
 * self-hosted model run by an offline batch runner such as vLLM's {@code run_batch}, which reads
 * the same JSONL and writes OpenAI's output format. ecolens writes {@code <name>.jsonl} and, on
 * creation, {@code <name>.batch.json}; the runner writes {@code <name>.output.jsonl}. A batch is
 * {@code completed} once its output holds a line for every request, {@code in_progress} before.
 */
final class BatchFolder implements BatchProvider {
  private static final String INPUT = ".jsonl";
  private static final String BATCH = ".batch.json";
  private static final String OUTPUT = ".output.jsonl";
  private static final String ID_PREFIX = "local-";

  private final Path root;

  BatchFolder(String endpoint) {
    this.root = Path.of(URI.create(endpoint));
  }

  static boolean handles(String endpoint) {
    return endpoint.startsWith("file:");
  }

  @Override
  public String upload(String filename, byte[] jsonl) {
    try {
      Files.createDirectories(root);
      Files.write(root.resolve(filename), jsonl);
      return filename;
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot write the batch file " + root.resolve(filename) + ": " + e.getMessage()
          + ". Check score.openai.endpoint (file:///folder).", e);
    }
  }

  @Override
  public JsonNode create(String inputFileId, Map<String, String> metadata) {
    String base = base(inputFileId);
    ObjectNode batch = PromptBuilder.JSON.createObjectNode().put("id", ID_PREFIX + base)
        .put("input_file_id", inputFileId).put("created_at", System.currentTimeMillis() / 1000);
    ObjectNode meta = batch.putObject("metadata");
    metadata.forEach(meta::put);
    try {
      Files.writeString(root.resolve(base + BATCH), batch.toString());
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot write " + root.resolve(base + BATCH) + ": " + e.getMessage(), e);
    }
    return get(ID_PREFIX + base);
  }

  @Override
  public JsonNode get(String batchId) {
    String base = batchId.startsWith(ID_PREFIX) ? batchId.substring(ID_PREFIX.length()) : batchId;
    ObjectNode batch = (ObjectNode) read(root.resolve(base + BATCH));
    long requests = lines(root.resolve(base + INPUT)).size();
    Path output = root.resolve(base + OUTPUT);
    List<String> answered = Files.exists(output) ? lines(output) : List.of();
    boolean done = answered.size() >= requests;
    batch.put("status", done ? "completed" : "in_progress");
    batch.put("output_file_id", done ? base + OUTPUT : null);
    batch.putNull("error_file_id");
    long ok = answered.stream().filter(l -> l.contains("\"status_code\":200") || l.contains("\"status_code\": 200"))
        .count();
    batch.putObject("request_counts").put("total", requests).put("completed", ok).put("failed", answered.size() - ok);
    return batch;
  }

  /** Nothing to stop: the runner reads the folder on its own. */
  @Override
  public void cancel(String batchId) {}

  @Override
  public List<JsonNode> list(long since) {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (Stream<Path> files = Files.list(root)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(BATCH)).toList()) {
        String name = f.getFileName().toString();
        out.add(get(ID_PREFIX + name.substring(0, name.length() - BATCH.length())));
      }
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot list the batches in " + root + ": " + e.getMessage(), e);
    }
    out.removeIf(b -> b.path("created_at").asLong() < since);
    out.sort(Comparator.comparingLong((JsonNode b) -> b.path("created_at").asLong()).reversed());
    return out;
  }

  @Override
  public String content(String fileId) {
    try {
      return Files.readString(root.resolve(fileId), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot read " + root.resolve(fileId) + ": " + e.getMessage(), e);
    }
  }

  private static String base(String inputFileId) {
    return inputFileId.endsWith(INPUT) ? inputFileId.substring(0, inputFileId.length() - INPUT.length()) : inputFileId;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode read(Path file) {
    try {
      return PromptBuilder.JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot read the batch record " + file + ": " + e.getMessage(), e);
    }
  }
}
