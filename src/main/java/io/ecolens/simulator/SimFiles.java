package io.ecolens.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI's Files API, in memory: {@code POST /v1/files} (multipart: {@code purpose=batch} and
 * {@code file}), {@code GET /v1/files}, {@code GET /v1/files/{id}}, {@code GET
 * /v1/files/{id}/content} and {@code DELETE /v1/files/{id}}. Batches store their output and error
 * files here too, with purpose {@code batch_output}.
 */
final class SimFiles {
  /** A stored file; {@code createdAt} in epoch seconds. */
  record StoredFile(String id, String filename, String purpose, byte[] content, long createdAt) {
    ObjectNode json() {
      ObjectNode o = SimAnswers.JSON.createObjectNode();
      o.put("id", id).put("object", "file").put("bytes", content.length).put("created_at", createdAt)
          .put("filename", filename).put("purpose", purpose);
      return o;
    }
  }

  /** Matches the Files API's paths, with or without a file id and {@code /content}. */
  static final Pattern PATH = Pattern.compile(".*/files(?:/([^/]+)(/content)?)?/?");

  private final Map<String, StoredFile> files = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong uploaded;

  SimFiles(AtomicLong uploaded) {
    this.uploaded = uploaded;
  }

  /** The file {@code id}, or null. */
  StoredFile find(String id) {
    return files.get(id);
  }

  /** Stores {@code content} as a new file. */
  StoredFile store(String filename, String purpose, byte[] content) {
    String id = String.format("file-sim%016d", ids.incrementAndGet());
    StoredFile f = new StoredFile(id, filename, purpose, content, System.currentTimeMillis() / 1000);
    files.put(id, f);
    return f;
  }

  /** Answers a request whose path {@link #PATH} matched as {@code m}. */
  void route(SimHttpServer.Exchange ex, Matcher m) {
    String id = m.group(1);
    boolean content = m.group(2) != null;
    String method = ex.method();
    if (id == null && method.equals("POST")) {
      upload(ex);
    } else if (id == null && method.equals("GET")) {
      ObjectNode list = SimAnswers.JSON.createObjectNode().put("object", "list");
      ArrayNode data = list.putArray("data");
      files.values().stream().sorted(Comparator.comparing(StoredFile::id).reversed())
          .forEach(f -> data.add(f.json()));
      list.put("has_more", false);
      json(ex, 200, list.toString());
    } else if (id != null && find(id) == null) {
      json(ex, 404, SimAnswers.error("No such File object: " + id, "not_found"));
    } else if (content && method.equals("GET")) {
      ex.respond(200, find(id).content(), "application/octet-stream", null);
    } else if (!content && method.equals("GET")) {
      json(ex, 200, find(id).json().toString());
    } else if (!content && method.equals("DELETE")) {
      files.remove(id);
      json(ex, 200, SimAnswers.JSON.createObjectNode().put("id", id).put("object", "file").put("deleted", true)
          .toString());
    } else {
      json(ex, 405, SimAnswers.error("Method " + method + " is not allowed on " + ex.path(),
          "invalid_request_error"));
    }
  }

  /** Reads the multipart form with Netty's decoder, rebuilt around the body already read whole. */
  private void upload(SimHttpServer.Exchange ex) {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, ex.path(),
        Unpooled.wrappedBuffer(ex.body()));
    String type = ex.header("Content-Type");
    if (type != null) {
      request.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    }
    request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, ex.body().length);
    if (!HttpPostRequestDecoder.isMultipart(request)) {
      request.release();
      json(ex, 400, SimAnswers.error("Expected a multipart/form-data body with fields 'purpose' and 'file', "
          + "got Content-Type " + type, "invalid_request_error"));
      return;
    }
    String purpose = null;
    String filename = null;
    byte[] bytes = null;
    HttpPostRequestDecoder decoder = null;
    try {
      decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), request);
      for (InterfaceHttpData part : decoder.getBodyHttpDatas()) {
        if (part instanceof FileUpload f && f.getName().equals("file")) {
          filename = f.getFilename();
          bytes = f.get();
        } else if (part instanceof Attribute a && a.getName().equals("purpose")) {
          purpose = a.getValue();
        } else if (part instanceof Attribute a && a.getName().equals("file")) {
          filename = "file"; // a part without a filename: the content all the same
          bytes = a.get();
        }
      }
    } catch (HttpPostRequestDecoder.ErrorDataDecoderException | IOException e) {
      json(ex, 400, SimAnswers.error("Unreadable multipart body: " + e.getMessage(), "invalid_request_error"));
      return;
    } finally {
      if (decoder != null) {
        decoder.destroy();
      }
      request.release();
    }
    if (purpose == null || bytes == null) {
      json(ex, 400, SimAnswers.error("Missing required parameter: '" + (purpose == null ? "purpose" : "file")
          + "'.", "missing_required_parameter"));
    } else if (!purpose.equals("batch")) {
      json(ex, 400, SimAnswers.error("Invalid value for 'purpose': '" + purpose
          + "'. The simulator stores files for purpose 'batch' only.", "invalid_request_error"));
    } else {
      uploaded.incrementAndGet();
      json(ex, 200, store(filename, "batch", bytes).json().toString());
    }
  }

  static void json(SimHttpServer.Exchange ex, int status, String body) {
    ex.respond(status, body.getBytes(StandardCharsets.UTF_8), null);
  }
}
