package io.ecolens.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ecolens.scorer.openai.PromptBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An HTTP pass-through on loopback in front of the LLM simulator that counts how many times each
 * item was sent for scoring, keyed by its text ({@link #key}). The simulator only tells how many
 * items it saw in all; this tells which ones came twice. It can also hold one request back
 * ({@link #holdNext}), so that a test knows a scoring task is waiting on an answer while it acts.
 */
final class RecordingProxy implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String upstream;
  private final HttpServer server;
  private final ExecutorService handlers = Executors.newFixedThreadPool(8);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, AtomicInteger> sends = new ConcurrentHashMap<>();
  private final AtomicReference<Hold> hold = new AtomicReference<>();

  /** A chat request held back: the client port it came from, once it came, and the gate that lets it go on. */
  record Hold(CompletableFuture<Integer> clientPort, CountDownLatch gate) {
    /** Forwards the held request; its answer goes to a client that may be gone by then. */
    void release() {
      gate.countDown();
    }
  }

  private RecordingProxy(String upstream) throws IOException {
    this.upstream = upstream.replaceAll("/v1/?$", "");
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.setExecutor(handlers);
    server.createContext("/", this::forward);
    server.start();
  }

  /** Forwards to {@code upstreamEndpoint} (a base URL ending in /v1). */
  static RecordingProxy start(String upstreamEndpoint) {
    try {
      return new RecordingProxy(upstreamEndpoint);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the recording proxy: " + e.getMessage(), e);
    }
  }

  /** Base URL for score.openai.endpoint. */
  String endpoint() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** How often each item (by {@link #key}) was sent so far. */
  Map<String, Integer> sends() {
    Map<String, Integer> copy = new HashMap<>();
    sends.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /**
   * Holds the next chat request, after counting its items, until {@link Hold#release} (or a minute).
   * Its {@code clientPort} completes with the port of the client's end of the connection.
   */
  Hold holdNext() {
    Hold h = new Hold(new CompletableFuture<>(), new CountDownLatch(1));
    if (!hold.compareAndSet(null, h)) {
      throw new IllegalStateException("a request is already held");
    }
    return h;
  }

  /** The port this proxy listens on. */
  int port() {
    return server.getAddress().getPort();
  }

  /** The identity of an item: its title, description and transcript (absent ones empty). */
  static String key(String title, String description, String transcript) {
    return String.join("\u0001", title == null ? "" : title, description == null ? "" : description,
        transcript == null ? "" : transcript);
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }

  private void forward(HttpExchange ex) throws IOException {
    boolean chat = ex.getRequestURI().getPath().endsWith("/chat/completions");
    try (ex) {
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      if (chat) {
        record(body);
        Hold h = hold.getAndSet(null);
        if (h != null) {
          h.clientPort().complete(ex.getRemoteAddress().getPort());
          try {
            h.gate().await(1, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()))
          .timeout(Duration.ofSeconds(60))
          .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(body));
      for (String header : List.of("Content-Type", "Authorization")) {
        String value = ex.getRequestHeaders().getFirst(header);
        if (value != null) {
          request.header(header, value);
        }
      }
      HttpResponse<byte[]> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ex.sendResponseHeaders(503, -1);
        return;
      }
      response.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().set("Content-Type", v));
      response.headers().firstValue("Retry-After").ifPresent(v -> ex.getResponseHeaders().set("Retry-After", v));
      byte[] answer = response.body();
      ex.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
      if (answer.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(answer);
        }
      }
    }
  }

  /** Counts the items of an ecolens prompt: the JSON array between the two marker lines. */
  private void record(byte[] body) throws IOException {
    String user = "";
    for (JsonNode m : JSON.readTree(body).path("messages")) {
      if (m.path("role").asText().equals("user")) {
        user = m.path("content").asText("");
      }
    }
    int begin = user.indexOf(PromptBuilder.BEGIN + "\n");
    int end = user.lastIndexOf("\n" + PromptBuilder.END);
    if (begin < 0 || end <= begin) {
      sends.computeIfAbsent("(not an ecolens prompt)", k -> new AtomicInteger()).incrementAndGet();
      return;
    }
    for (JsonNode item : JSON.readTree(user.substring(begin + PromptBuilder.BEGIN.length() + 1, end))) {
      String key = key(item.path("title").asText(null), item.path("description").asText(null),
          item.path("transcript").asText(null));
      sends.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }
  }
}
