package io.ecolens.policy;

import io.ecolens.Yaml;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.ecolens.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/** Loads and validates a policy YAML file; errors name the file and the key. */
public final class PolicyLoader {
  private static final Set<String> SEVERITIES = Set.of("low", "medium", "high", "critical");
  private static final ObjectMapper YAML = Yaml.mapper();

  private PolicyLoader() {}

  /**
   * Reads a policy from {@code classpath:NAME} (a policy bundled in the jar, e.g.
   * classpath:policies/default.yaml), a local file, or any Hadoop path (s3a://, hdfs://).
   */
  public static Policy load(String location, org.apache.hadoop.conf.Configuration hadoop) {
    if (location.startsWith("classpath:")) {
      String name = location.substring("classpath:".length());
      InputStream in = PolicyLoader.class.getClassLoader().getResourceAsStream(name);
      if (in == null) {
        throw Errors.policy(location, "(file)", "no such resource in the application jar; bundled: classpath:policies/default.yaml");
      }
      try (in) {
        return parse(location, in);
      } catch (IOException e) {
        throw Errors.policy(location, "(file)", "cannot be read: " + e.getMessage());
      }
    }
    if (!location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      return load(Path.of(location));
    }
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
    try (InputStream in = path.getFileSystem(hadoop).open(path)) {
      return parse(location, in);
    } catch (IOException e) {
      throw Errors.policy(location, "(file)", "cannot be read: " + e.getMessage()
          + "; check score.policy and the storage credentials");
    }
  }

  /** Reads a policy from a local file. */
  public static Policy load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw Errors.policy(file.toString(), "(file)", "no such file; set score.policy to a file such as conf/policies/default.yaml");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return parse(file.toString(), in);
    } catch (IOException e) {
      throw Errors.policy(file.toString(), "(file)", "cannot be read: " + e.getMessage());
    }
  }

  /** Parses and validates a policy; {@code source} names it in errors. */
  public static Policy parse(String source, InputStream in) throws IOException {
    Policy policy;
    try {
      policy = YAML.readValue(in, Policy.class);
    } catch (UnrecognizedPropertyException e) {
      throw Errors.policy(source, path(e), "unknown key '" + e.getPropertyName() + "'");
    } catch (JsonMappingException e) {
      throw Errors.policy(source, path(e), e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw Errors.policy(source, "(syntax)", e.getOriginalMessage());
    }
    if (policy == null) {
      throw Errors.policy(source, "(file)", "is empty");
    }
    validate(source, policy);
    return policy;
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  private static void validate(String source, Policy p) {
    require(source, "id", p.id());
    require(source, "version", p.version());
    if (p.categories() == null || p.categories().isEmpty()) {
      throw Errors.policy(source, "categories", "needs at least one category");
    }
    Set<String> ids = new HashSet<>();
    List<Policy.Category> categories = p.categories();
    for (int i = 0; i < categories.size(); i++) {
      Policy.Category c = categories.get(i);
      String key = "categories[" + i + "]";
      require(source, key + ".id", c.id());
      if (!c.id().matches("[a-z][a-z0-9_]*")) {
        throw Errors.policy(source, key + ".id", "'" + c.id() + "' must be lower_snake_case (it becomes a column value and a metric name)");
      }
      if (!ids.add(c.id())) {
        throw Errors.policy(source, key + ".id", "'" + c.id() + "' is used by two categories");
      }
      require(source, key + ".definition", c.definition());
      if (c.severity() == null || !SEVERITIES.contains(c.severity())) {
        throw Errors.policy(source, key + ".severity", "'" + c.severity() + "' is not one of " + SEVERITIES);
      }
      if (c.threshold() < 0 || c.threshold() > 1) {
        throw Errors.policy(source, key + ".threshold", "must be between 0 and 1, cannot be: " + c.threshold());
      }
      Policy.Embedded calibration = c.embedded();
      if (calibration.threshold() != null && (calibration.threshold() < 0 || calibration.threshold() > 1)) {
        throw Errors.policy(source, key + ".embedded.threshold", "must be between 0 and 1, cannot be: " + calibration.threshold());
      }
      if (calibration.scale() <= 0) {
        throw Errors.policy(source, key + ".embedded.scale", "must be above 0, cannot be: " + calibration.scale());
      }
      for (int r = 0; r < c.rules().size(); r++) {
        Policy.Rule rule = c.rules().get(r);
        String rkey = key + ".rules[" + r + "]";
        if (rule.keywords().isEmpty() && rule.regex() == null) {
          throw Errors.policy(source, rkey, "needs 'keywords' or 'regex'");
        }
        if (rule.weight() <= 0 || rule.weight() > 1) {
          throw Errors.policy(source, rkey + ".weight", "must be in (0, 1], cannot be: " + rule.weight());
        }
        if (rule.regex() != null) {
          try {
            Pattern.compile(rule.regex());
          } catch (PatternSyntaxException e) {
            throw Errors.policy(source, rkey + ".regex", "is not a valid regular expression: " + e.getDescription());
          }
        }
      }
    }
  }

  private static void require(String source, String key, String value) {
    if (value == null || value.isBlank()) {
      throw Errors.policy(source, key, "is required");
    }
  }
}
