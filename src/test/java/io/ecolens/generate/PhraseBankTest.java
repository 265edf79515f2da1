package io.ecolens.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped phrase bank against the default policy's rules. */
class PhraseBankTest {
  private static final Policy POLICY = PolicyLoader.load(Path.of("conf/policies/default.yaml"));
  private static final PhraseBank BANK = PhraseBank.defaults();

  @Test
  void everyDefaultCategoryHasPhrasesAndAPrevalenceBetweenHalfAPercentAndSixPercent() {
    for (Policy.Category category : POLICY.categories()) {
      PhraseBank.CategoryPhrases phrases = BANK.category(category.id());
      assertThat(phrases).as(category.id()).isNotNull();
      assertThat(phrases.prevalence()).as(category.id()).isBetween(0.005, 0.06);
      assertThat(phrases.missed()).as(category.id()).isNotEmpty();
    }
    assertThat(POLICY.categories().stream().map(c -> BANK.category(c.id()).prevalence()).distinct())
        .as("prevalences differ between categories")
        .hasSizeGreaterThan(5);
  }

  @Test
  void caughtPhrasesTripARuleOfTheirCategoryStrongEnoughToReachItsThreshold() {
    for (Policy.Category category : POLICY.categories()) {
      for (String phrase : BANK.category(category.id()).caught()) {
        assertThat(PolicyRules.catches(category, phrase)).as(category.id() + ": " + phrase).isTrue();
      }
    }
  }

  @Test
  void missedPhrasesTripNoRuleOfTheirCategory() {
    for (Policy.Category category : POLICY.categories()) {
      for (String phrase : BANK.category(category.id()).missed()) {
        assertThat(PolicyRules.touches(category, phrase)).as(category.id() + ": " + phrase).isFalse();
      }
    }
  }

  @Test
  void betweenSixtyAndEightyPercentOfEachCategorysPhrasesAreCaught() {
    for (Policy.Category category : POLICY.categories()) {
      PhraseBank.CategoryPhrases phrases = BANK.category(category.id());
      double caughtShare = phrases.caught().size() / (double) (phrases.caught().size() + phrases.missed().size());
      assertThat(caughtShare).as(category.id()).isBetween(0.6, 0.8);
    }
  }

  @Test
  void everyHardNegativeTripsSomeRule() {
    List<String> negatives = BANK.hardNegatives();
    assertThat(negatives).hasSizeGreaterThanOrEqualTo(10);
    for (String negative : negatives) {
      assertThat(POLICY.categories().stream().anyMatch(c -> PolicyRules.touches(c, negative)))
          .as(negative)
          .isTrue();
    }
  }

  @Test
  void benignTopicTemplatesTripNoRuleStrongEnoughToFlagThem() {
    for (PhraseBank.Topic topic : BANK.topics()) {
      List<String> texts = new ArrayList<>(topic.titles());
      texts.addAll(topic.descriptions());
      texts.addAll(topic.transcript());
      texts.addAll(topic.subjects());
      for (String text : texts) {
        for (Policy.Category category : POLICY.categories()) {
          assertThat(PolicyRules.catches(category, text)).as(topic.id() + " / " + category.id() + ": " + text).isFalse();
        }
      }
    }
  }

  @Test
  void formatAndLanguageWeightsSumToOne() {
    assertThat(BANK.formats().values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, offset(1e-9));
    assertThat(BANK.languages().stream().mapToDouble(PhraseBank.Language::weight).sum()).isCloseTo(1.0, offset(1e-9));
    assertThat(BANK.languages().get(0).code()).isEqualTo("en");
  }
}
