package io.ecolens.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A setting with a closed set of values, spelled in YAML as its {@link #id()} (e.g. {@code zero-shot}).
 * The enums of {@code config} implement it; a value outside the set fails with the list of the valid ones.
 */
public interface Choice {
  /** The value as written in the config, e.g. {@code dawid-skene}. */
  String id();

  /** The constant of {@code type} spelled {@code id} (any case); fails naming the values it could be. */
  static <E extends Enum<E> & Choice> E parse(Class<E> type, String id) {
    for (E e : type.getEnumConstants()) {
      if (e.id().equals(id.toLowerCase(Locale.ROOT))) {
        return e;
      }
    }
    throw new IllegalArgumentException("'" + id + "' is not one of " + ids(type.getEnumConstants()));
  }

  /** The ids of the given values, comma-separated, e.g. "rules, embedded". */
  @SafeVarargs
  static <E extends Choice> String ids(E... values) {
    return Arrays.stream(values).map(Choice::id).collect(Collectors.joining(", "));
  }
}
