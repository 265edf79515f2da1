package io.ecolens;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The one way ecolens reads YAML (config, policies, experiments, phrase banks): strict, kebab-case keys. */
public final class Yaml {
  private Yaml() {}

  /** A new strict mapper: unknown keys, nulls for primitives and floats for integers are errors. */
  public static ObjectMapper mapper() {
    return new ObjectMapper(new YAMLFactory())
        .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .findAndRegisterModules();
  }
}
