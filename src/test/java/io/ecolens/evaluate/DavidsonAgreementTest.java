package io.ecolens.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Fleiss' kappa on real crowd votes: the Davidson et al. (2017) hate/offensive tweets, 3+ crowd
 * coders per tweet, votes per class in the CSV. Skipped when the shared datasets are absent.
 */
class DavidsonAgreementTest {
  @Test
  void fleissKappaOnTheCrowdVotes() throws IOException {
    Path file = Path.of(System.getProperty("ecolens.shared.datasets", "../shared/datasets"),
        "davidson-hate-offensive", "labeled_data.csv");
    assumeTrue(Files.isRegularFile(file), "skipped: " + file + " is absent (the shared datasets folder is only in"
        + " the project's environment; pass -Decolens.shared.datasets=<folder> to run it)");
    List<List<String>> records = parseCsv(Files.readString(file, StandardCharsets.UTF_8));
    RaterAgreement agreement = RaterAgreement.empty(3);
    int rows = 0;
    for (List<String> r : records.subList(1, records.size())) {
      long count = Long.parseLong(r.get(1));
      long hate = Long.parseLong(r.get(2));
      long offensive = Long.parseLong(r.get(3));
      long neither = Long.parseLong(r.get(4));
      assertThat(hate + offensive + neither).as("votes of row %s", r.get(0)).isEqualTo(count);
      agreement = agreement.plusItem(hate, offensive, neither);
      rows++;
    }
    assertThat(rows).isEqualTo(24_783);
    double kappa = agreement.fleissKappa();
    double alpha = agreement.krippendorffAlpha();
    System.out.printf("Davidson crowd votes: %d tweets, Fleiss' kappa %.4f, Krippendorff's alpha %.4f%n",
        agreement.items(), kappa, alpha);
    // Moderate agreement: the classes are skewed and hate vs offensive is hard to call.
    assertThat(kappa).isBetween(0.2, 0.9);
    assertThat(alpha).isCloseTo(kappa, org.assertj.core.data.Offset.offset(0.05));
  }

  /** RFC 4180 records: quoted fields may hold commas, doubled quotes and newlines. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        record.add(field.toString());
        field.setLength(0);
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        record.add(field.toString());
        field.setLength(0);
        if (!(record.size() == 1 && record.get(0).isEmpty())) {
          records.add(record);
        }
        record = new ArrayList<>();
      } else {
        field.append(c);
      }
    }
    if (field.length() > 0 || !record.isEmpty()) {
      record.add(field.toString());
      records.add(record);
    }
    return records;
  }
}
