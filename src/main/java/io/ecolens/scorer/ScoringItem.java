package io.ecolens.scorer;

import java.io.Serializable;
import java.util.List;

/** One item to score: its id, hash and text fields. A JavaBean so Spark can encode it. */
public class ScoringItem implements Serializable {
  private String contentId;
  private String contentHash;
  private String title;
  private String description;
  private String transcript;
  private List<String> hashtags;

  public ScoringItem() {}

  public ScoringItem(String contentId, String contentHash, String title, String description,
      String transcript, List<String> hashtags) {
    this.contentId = contentId;
    this.contentHash = contentHash;
    this.title = title;
    this.description = description;
    this.transcript = transcript;
    this.hashtags = hashtags;
  }

  /** All text fields joined with newlines, hashtags last with their '#'. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    for (String part : new String[] {title, description, transcript}) {
      if (part != null && !part.isEmpty()) {
        sb.append(part).append('\n');
      }
    }
    if (hashtags != null) {
      for (String tag : hashtags) {
        sb.append('#').append(tag).append(' ');
      }
    }
    return sb.toString().trim();
  }

  public String getContentId() {
    return contentId;
  }

  public void setContentId(String contentId) {
    this.contentId = contentId;
  }

  public String getContentHash() {
    return contentHash;
  }

  public void setContentHash(String contentHash) {
    this.contentHash = contentHash;
  }

  public String getTitle() {
    return title;
  }

  public void setTitle(String title) {
    this.title = title;
  }

  public String getDescription() {
    return description;
  }

  public void setDescription(String description) {
    this.description = description;
  }

  public String getTranscript() {
    return transcript;
  }

  public void setTranscript(String transcript) {
    this.transcript = transcript;
  }

  public List<String> getHashtags() {
    return hashtags;
  }

  public void setHashtags(List<String> hashtags) {
    this.hashtags = hashtags;
  }
}
