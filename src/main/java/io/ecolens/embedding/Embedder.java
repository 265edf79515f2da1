package io.ecolens.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.ecolens.config.EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One in-process embedding model ({@link EmbeddingModel}, int8-quantized ONNX from a langchain4j
 * embeddings jar, which ships the weights and the tokenizer) with one window: batched, pooled,
 * L2-normalised 384-d sentence embeddings.
 *
 * <p>One instance per JVM, model and window ({@link #shared}): loading costs ~1 s and 90-140 MB.
 * ONNX Runtime's {@code OrtSession.run} is safe to call from several threads at once, and the Rust
 * tokenizer behind DJL's {@link HuggingFaceTokenizer} encodes through an immutable handle, so
 * Spark tasks of one executor share the instance without locks.
 *
 * <p>A text longer than the window is cut into consecutive windows (each with the model's start
 * and end tokens), each window is embedded and pooled, and the window vectors are averaged,
 * weighted by their tokens, then normalised: a transcript's end counts as much as its start. Past
 * {@link #MAX_WINDOWS} windows the rest is left out, and the result says so.
 */
public final class Embedder {
  /** Windows embedded per text at most; a longer text is cut after them (marked truncated). */
  public static final int MAX_WINDOWS = 16;
  private static final AtomicInteger LOADS = new AtomicInteger();
  private static final AtomicLong TEXTS = new AtomicLong();
  private static final Map<String, Embedder> SHARED = new ConcurrentHashMap<>();

  private final EmbeddingModel model;
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final int maxTokens;
  private final int intraOpThreads;
  private final boolean needsTypeIds;
  /** The tokens the tokenizer puts before and after every text (e.g. [CLS] and [SEP]). */
  private final long[] head;
  private final long[] tail;

  /** Embeddings of a batch, in input order, and which inputs were cut (past {@link #MAX_WINDOWS} windows). */
  public record Batch(float[][] vectors, boolean[] truncated) {}

  private Embedder(EmbeddingModel model, int maxTokens, int intraOpThreads) {
    this.model = model;
    this.maxTokens = maxTokens;
    this.intraOpThreads = intraOpThreads;
    try (InputStream onnx = resource(model, model.modelResource());
        InputStream tok = resource(model, model.tokenizerResource())) {
      environment = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = environment.createSession(onnx.readAllBytes(), options);
      needsTypeIds = session.getInputNames().contains("token_type_ids");
      Map<String, String> tokOptions = new HashMap<>();
      tokOptions.put("truncation", "false");
      tokOptions.put("padding", "false");
      tokenizer = HuggingFaceTokenizer.newInstance(tok, tokOptions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the " + model + " model from its langchain4j embeddings jar", e);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load the " + model + " model: " + e.getMessage(), e);
    }
    long[] empty = tokenizer.encode("").getIds();
    if (empty.length < 1 || empty.length >= maxTokens) {
      throw new IllegalStateException("the " + model + " tokenizer wraps an empty text in " + empty.length
          + " tokens; a window of " + maxTokens + " tokens cannot hold a text");
    }
    head = Arrays.copyOf(empty, 1);
    tail = Arrays.copyOfRange(empty, 1, empty.length);
  }

  /**
   * The JVM's instance for this model and window, loaded on first use. The thread count of the first
   * caller wins: executors of one application share one config, so later callers ask for the same.
   */
  public static Embedder shared(EmbeddingModel model, int maxTokens, int intraOpThreads) {
    String key = model.id() + "/" + maxTokens;
    Embedder m = SHARED.get(key);
    if (m == null) {
      synchronized (Embedder.class) {
        m = SHARED.get(key);
        if (m == null) {
          m = new Embedder(model, maxTokens, intraOpThreads);
          LOADS.incrementAndGet();
          SHARED.put(key, m);
        }
      }
    }
    return m;
  }

  /** How many times this JVM loaded a model (1 once anything was scored with one model and window). */
  public static int loads() {
    return LOADS.get();
  }

  /** How many texts this JVM embedded, over all instances: what tests count to prove reuse. */
  public static long embeddedTexts() {
    return TEXTS.get();
  }

  /** Model id naming everything that changes a vector: the model, the window, long texts pooled over windows. */
  public static String modelId(EmbeddingModel model, int maxTokens) {
    return model.id() + ":max-tokens=" + maxTokens + ":windows=" + MAX_WINDOWS;
  }

  public EmbeddingModel model() {
    return model;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public int intraOpThreads() {
    return intraOpThreads;
  }

  /**
   * Embeds a batch of texts (null is read as empty): one tokenizer call for the batch, then one
   * ONNX call per window. Not one padded tensor: the quantized models quantize activations with a
   * scale computed over the whole input tensor, so padding and batch neighbours would change an
   * item's embedding, and the same text must always score the same.
   */
  public Batch embed(List<String> texts) {
    int n = texts.size();
    float[][] vectors = new float[n][];
    boolean[] truncated = new boolean[n];
    if (n == 0) {
      return new Batch(vectors, truncated);
    }
    TEXTS.addAndGet(n);
    Encoding[] encodings = tokenizer.batchEncode(
        texts.stream().map(t -> model.prefix() + (t == null ? "" : t)).toList());
    for (int i = 0; i < n; i++) {
      long[] ids = encodings[i].getIds();
      if (ids.length <= maxTokens) {
        vectors[i] = normalise(embedWindow(ids));
      } else {
        truncated[i] = embedWindows(ids, vectors, i);
      }
    }
    return new Batch(vectors, truncated);
  }

  /** Pools consecutive windows of a long text into vectors[i]; true when text was left past the last window. */
  private boolean embedWindows(long[] ids, float[][] vectors, int i) {
    int body = maxTokens - head.length - tail.length;
    int from = head.length;
    int end = ids.length - tail.length;
    float[] sum = new float[EmbeddingModel.DIMENSIONS];
    for (int w = 0; w < MAX_WINDOWS && from < end; w++, from += body) {
      int to = Math.min(from + body, end);
      long[] window = new long[head.length + (to - from) + tail.length];
      System.arraycopy(head, 0, window, 0, head.length);
      System.arraycopy(ids, from, window, head.length, to - from);
      System.arraycopy(tail, 0, window, head.length + to - from, tail.length);
      float[] v = embedWindow(window);
      for (int d = 0; d < sum.length; d++) {
        sum[d] += v[d] * (to - from);
      }
    }
    vectors[i] = normalise(sum);
    return from < end;
  }

  /** The pooled, not yet normalised vector of one window's token ids. */
  private float[] embedWindow(long[] ids) {
    long[] mask = new long[ids.length];
    Arrays.fill(mask, 1);
    long[] shape = {1, ids.length};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
      if (needsTypeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[ids.length]), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        float[][] tokens = ((float[][][]) result.get(0).getValue())[0];
        return model.pooling() == EmbeddingModel.Pooling.CLS ? tokens[0] : mean(tokens);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a text of " + ids.length + " tokens: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** Mean of the token vectors (no padding: every token counts). */
  private static float[] mean(float[][] tokens) {
    float[] out = new float[tokens[0].length];
    for (float[] v : tokens) {
      for (int d = 0; d < out.length; d++) {
        out[d] += v[d];
      }
    }
    for (int d = 0; d < out.length; d++) {
      out[d] /= tokens.length;
    }
    return out;
  }

  /** v scaled to unit length, in place. */
  private static float[] normalise(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
    for (int d = 0; d < v.length; d++) {
      v[d] *= inv;
    }
    return v;
  }

  /** Cosine similarity of two L2-normalised vectors. */
  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot;
  }

  private static InputStream resource(EmbeddingModel model, String name) throws IOException {
    InputStream in = Embedder.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException(name + " is not on the classpath; add dev.langchain4j:" + model.artifact());
    }
    return in;
  }
}
