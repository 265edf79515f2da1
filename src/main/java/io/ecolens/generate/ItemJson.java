package io.ecolens.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The JSON of generated lines: a corpus item's fields, and one-line serialisation. */
final class ItemJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ItemJson() {}

  /** An empty JSON object to fill. */
  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** A well-formed item as its corpus JSON object, fields in corpus order. */
  static ObjectNode node(SyntheticItem item) {
    ObjectNode node = object();
    node.put("content_id", item.contentId())
        .put("creator_id", item.creatorId())
        .put("format", item.format())
        .put("language", item.language())
        .put("region", item.region())
        .put("created_at", item.createdAt().toString())
        .put("title", item.title())
        .put("description", item.description())
        .put("transcript", item.transcript());
    ArrayNode tags = node.putArray("hashtags");
    item.hashtags().forEach(tags::add);
    node.put("views", item.views())
        .put("likes", item.likes())
        .put("comments", item.comments())
        .put("shares", item.shares());
    return node;
  }

  /** The object as one line of JSON. */
  static String write(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a generated item as JSON", e);
    }
  }
}
