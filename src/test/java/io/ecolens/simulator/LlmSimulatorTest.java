package io.ecolens.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The simulator's own accounting, seen by a plain JDK HttpClient rather than ecolens' scorer. */
class LlmSimulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));

  private static HttpRequest chat(String endpoint, String text) {
    ObjectNode body = JSON.createObjectNode().put("model", LlmSimulator.Settings.defaults().model());
    body.putArray("messages").addObject().put("role", "user").put("content", text);
    return HttpRequest.newBuilder(URI.create(endpoint + "/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
        .build();
  }

  /**
   * A client that sends its next request the moment an answer arrives has one request open at a
   * time, so the simulator must never count two in flight nor make one wait for the capped slot:
   * a request stops counting before its answer is written, not after.
   */
  @Test
  void aRequestSentAsSoonAsTheLastAnswerArrivesIsNeverCountedTwice() throws Exception {
    LlmSimulator.Settings one = LlmSimulator.Settings.defaults().withLatency(0).withCap(1, false);
    try (LlmSimulator sim = LlmSimulator.start(one, POLICY)) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      int n = 400;
      for (int i = 0; i < n; i++) {
        HttpResponse<String> answer = client.send(chat(sim.endpoint(), "clip " + i + " about gardening"),
            HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode message = JSON.readTree(answer.body()).path("choices").path(0).path("message");
        assertThat(message.path("content").asText()).isNotBlank();
      }
      LlmSimulator.Stats st = sim.stats();
      assertThat(st.requests()).isEqualTo(n);
      assertThat(st.ok()).isEqualTo(n);
      assertThat(st.maxInFlight()).isEqualTo(1);
      assertThat(st.queuedForSlot()).isZero();
      assertThat(st.inFlight()).isZero();
    }
  }

  /** With the cap set to queue, a request beyond it waits for a slot instead of being refused. */
  @Test
  void requestsBeyondAQueueingCapWaitForASlot() throws Exception {
    // long enough that the second request has surely arrived while the first holds the slot
    LlmSimulator.Settings one = LlmSimulator.Settings.defaults().withLatency(1_000).withCap(1, false);
    try (LlmSimulator sim = LlmSimulator.start(one, POLICY)) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      var first = client.sendAsync(chat(sim.endpoint(), "first clip"), HttpResponse.BodyHandlers.ofString());
      var second = client.sendAsync(chat(sim.endpoint(), "second clip"), HttpResponse.BodyHandlers.ofString());
      assertThat(first.get().statusCode()).isEqualTo(200);
      assertThat(second.get().statusCode()).isEqualTo(200);
      LlmSimulator.Stats st = sim.stats();
      assertThat(st.ok()).isEqualTo(2);
      assertThat(st.rejectedOverCap()).isZero();
      assertThat(st.queuedForSlot()).isEqualTo(1);
    }
  }

  @Test
  void aPortInUseIsNamedInTheError() {
    try (LlmSimulator first = LlmSimulator.start(LlmSimulator.Settings.defaults(), POLICY)) {
      LlmSimulator.Settings same = new LlmSimulator.Settings(first.port(), "sim-model", 200, 0, false, 0, 0, 0, 0, 0,
          1_000, 1, null, 7);
      assertThatThrownBy(() -> LlmSimulator.start(same, POLICY))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("cannot start the LLM simulator on port " + first.port())
          .hasMessageContaining("BindException");
    }
  }

  /** Sends {@code raw} on a new connection and returns everything the simulator answers before closing. */
  private static String rawExchange(int port, String raw) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(raw.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        got.write(buf, 0, n);
      }
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  /** Requests that are not HTTP get a 400 naming why; a target java.net.URI would refuse is still served. */
  @Test
  void unreadableRequestsGetA400WithTheReason() throws Exception {
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults(), POLICY)) {
      String garbage = rawExchange(sim.port(), "NOT AN HTTP REQUEST AT ALL\r\n\r\n");
      assertThat(garbage).startsWith("HTTP/1.1 400").contains("unreadable HTTP request: ")
          .contains("invalid_request_error");
      String odd = rawExchange(sim.port(), "GET /v1/models?tag=a|b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(odd).startsWith("HTTP/1.1 200").contains("\"sim-model\"");
    }
  }
}
