package io.ecolens.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * McNemar's test against values worked out by hand. Exact branch: p = min(1, 2 P(X ≤ min(b, c))),
 * X ~ Binomial(b + c, 1/2). Chi-square branch: (|b − c| − 1)² / (b + c) on 1 df, whose upper tail
 * at 4 is P(|Z| > 2) = 2 (1 − Φ(2)) = 0.0455002638 (normal table).
 */
class McNemarTest {

  @Test
  void exactBinomialForFewDiscordantItems() {
    // b = 2, c = 8: 2 (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 * 56 / 1024
    McNemar t = McNemar.test(2, 8);
    assertThat(t.method()).isEqualTo(McNemar.EXACT);
    assertThat(t.pValue()).isCloseTo(112.0 / 1024, within(1e-12));
    // b = 0, c = 5: 2 / 2^5
    assertThat(McNemar.test(0, 5).pValue()).isCloseTo(0.0625, within(1e-12));
    // b = 24, c = 0 (24 discordant, still exact): 2 / 2^24
    assertThat(McNemar.test(24, 0).method()).isEqualTo(McNemar.EXACT);
    assertThat(McNemar.test(24, 0).pValue()).isCloseTo(2.0 / (1 << 24), within(1e-15));
    // b = c = 3: 2 * 42/64 > 1, capped
    assertThat(McNemar.test(3, 3).pValue()).isEqualTo(1.0);
  }

  @Test
  void chiSquareWithContinuityCorrectionFromTwentyFiveDiscordantItems() {
    // b = 18, c = 7: (11 - 1)^2 / 25 = 4
    McNemar t = McNemar.test(18, 7);
    assertThat(t.method()).isEqualTo(McNemar.CHI_SQUARE);
    assertThat(t.statistic()).isCloseTo(4.0, within(1e-12));
    assertThat(t.pValue()).isCloseTo(0.0455002638, within(1e-9));
    // b = 17, c = 32: (15 - 1)^2 / 49 = 4, and the test is symmetric in b and c
    assertThat(McNemar.test(17, 32).statistic()).isCloseTo(4.0, within(1e-12));
    assertThat(McNemar.test(32, 17).pValue()).isCloseTo(0.0455002638, within(1e-9));
    // b = c: the corrected statistic is floored at 0, p = 1
    assertThat(McNemar.test(20, 20).pValue()).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void noDiscordantItemsIsNoEvidenceAndNegativeCountsAreRefused() {
    assertThat(McNemar.test(0, 0).pValue()).isEqualTo(1.0);
    assertThat(McNemar.test(0, 0).method()).isEqualTo(McNemar.NONE);
    assertThatThrownBy(() -> McNemar.test(-1, 3)).hasMessageContaining("at least 0").hasMessageContaining("b=-1");
  }
}
