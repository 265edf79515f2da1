package io.ecolens.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Assertions on generated HTML. */
public final class HtmlChecks {
  /** src=, href= and xlink:href= attribute values. */
  private static final Pattern REFERENCE = Pattern.compile("(?i)\\b(?:xlink:)?(?:src|href)\\s*=\\s*[\"']?([^\"'\\s>]*)");
  /** CSS and SVG url(...) references. */
  private static final Pattern URL = Pattern.compile("(?i)url\\(\\s*[\"']?([^\"')\\s]*)");

  private HtmlChecks() {}

  /**
   * Fails unless the page needs nothing outside itself: no http(s) address anywhere, no
   * stylesheet link, import, script, frame or object, and every src/href/url() pointing at an
   * in-page anchor (#...) or a data: URI.
   */
  public static void assertSelfContained(String html) {
    assertThat(html).doesNotContainIgnoringCase("http://").doesNotContainIgnoringCase("https://")
        .doesNotContainIgnoringCase("<link").doesNotContainIgnoringCase("@import")
        .doesNotContainIgnoringCase("<script").doesNotContainIgnoringCase("<iframe")
        .doesNotContainIgnoringCase("<object").doesNotContainIgnoringCase("<embed");
    for (Pattern p : new Pattern[] {REFERENCE, URL}) {
      Matcher m = p.matcher(html);
      while (m.find()) {
        String target = m.group(1);
        assertThat(target.startsWith("#") || target.toLowerCase(java.util.Locale.ROOT).startsWith("data:"))
            .as("reference '%s' in '%s' must be an in-page anchor or a data: URI", target, m.group())
            .isTrue();
      }
    }
  }
}
