package io.ecolens.scorer;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/** A scored row as it leaves an executor; a JavaBean so Spark can encode it. */
public class ScoreRow implements Serializable {
  private String contentId;
  private String contentHash;
  private String category;
  private Boolean label;
  private Double score;
  private String rationale;
  private String status;
  private String error;
  private long inputTokens;
  private long outputTokens;
  private double latencyMs;
  private double costUsd;
  private int attempts;
  private String scorer;

  public ScoreRow() {}

  public static ScoreRow of(ScoringItem item, CategoryScore s) {
    ScoreRow r = new ScoreRow();
    r.contentId = item.getContentId();
    r.contentHash = item.getContentHash();
    r.category = s.category();
    r.label = s.label();
    r.score = s.score();
    r.rationale = s.rationale();
    r.status = s.error() == null ? "ok" : "error";
    r.error = s.error();
    r.inputTokens = s.inputTokens();
    r.outputTokens = s.outputTokens();
    r.latencyMs = s.latencyMs();
    r.costUsd = s.costUsd();
    r.attempts = s.attempts();
    r.scorer = s.decidedBy();
    return r;
  }

  /** A task's scored items as rows, one per item and category, lazily. */
  public static Iterator<ScoreRow> rowsOf(Iterator<Scored> scored) {
    return new Iterator<>() {
      private final ArrayDeque<ScoreRow> buffer = new ArrayDeque<>();

      @Override
      public boolean hasNext() {
        while (buffer.isEmpty() && scored.hasNext()) {
          Scored s = scored.next();
          for (CategoryScore c : s.scores()) {
            buffer.add(of(s.item(), c));
          }
        }
        return !buffer.isEmpty();
      }

      @Override
      public ScoreRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return buffer.poll();
      }
    };
  }

  public String getContentId() { return contentId; }
  public void setContentId(String v) { contentId = v; }
  public String getContentHash() { return contentHash; }
  public void setContentHash(String v) { contentHash = v; }
  public String getCategory() { return category; }
  public void setCategory(String v) { category = v; }
  public Boolean getLabel() { return label; }
  public void setLabel(Boolean v) { label = v; }
  public Double getScore() { return score; }
  public void setScore(Double v) { score = v; }
  public String getRationale() { return rationale; }
  public void setRationale(String v) { rationale = v; }
  public String getStatus() { return status; }
  public void setStatus(String v) { status = v; }
  public String getError() { return error; }
  public void setError(String v) { error = v; }
  public long getInputTokens() { return inputTokens; }
  public void setInputTokens(long v) { inputTokens = v; }
  public long getOutputTokens() { return outputTokens; }
  public void setOutputTokens(long v) { outputTokens = v; }
  public double getLatencyMs() { return latencyMs; }
  public void setLatencyMs(double v) { latencyMs = v; }
  public double getCostUsd() { return costUsd; }
  public void setCostUsd(double v) { costUsd = v; }
  public int getAttempts() { return attempts; }
  public void setAttempts(int v) { attempts = v; }
  /** Type of the scorer that decided the row when it differs from the configured one (cascade), else null. */
  public String getScorer() { return scorer; }
  public void setScorer(String v) { scorer = v; }
}
