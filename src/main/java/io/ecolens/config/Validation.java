package io.ecolens.config;

import io.ecolens.Errors;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The checks every command runs before Spark starts, after {@link ConfigLoader} has checked each key:
 * the policy file loads and the gates name its categories, and (for commands that read the corpus)
 * the local input paths exist. Inputs on remote storage or in tables are left to the stage that
 * reads them. Every failure names the file and the key and says how to fix it.
 */
public final class Validation {
  private Validation() {}

  /** What a command reads besides the config and the policy. */
  public enum Inputs {
    /** Only tables of the run (every stage after ingest). */
    TABLES,
    /** The corpus and labels files (ingest). */
    CORPUS,
    /** The corpus and labels files, unless the command writes the demo corpus first ({@code run}). */
    CORPUS_UNLESS_GENERATED
  }

  /** Runs the checks and returns what was checked, e.g. ["config", "run id r1", "policy default v3 (10 categories)"]. */
  public static List<String> check(EcolensConfig config, RunId runId, Inputs inputs) {
    List<String> checked = new ArrayList<>();
    checked.add("config");
    checked.add("run id " + runId);
    if (isRemote(config.score().policy())) {
      checked.add("policy " + config.score().policy() + " not checked (remote)");
    } else {
      Policy policy = PolicyLoader.load(config.score().policy(), new org.apache.hadoop.conf.Configuration());
      checked.add("policy " + policy.id() + " v" + policy.version() + " (" + policy.categories().size() + " categories)");
      GateConfig.validateCategories("the config", config.gates(), policy);
    }
    if (!config.gates().isEmpty()) {
      checked.add(config.gates().size() + " gate(s)");
    }
    if (inputs != Inputs.TABLES) {
      ConfigLoader.requireCorpusPath("the config", config);
      boolean generated = inputs == Inputs.CORPUS_UNLESS_GENERATED && config.generate().enabled();
      if (!generated) {
        checked.add(localInput("corpus", "input.corpus.path", config.input().corpus().path()));
        if (config.input().labels() != null) {
          checked.add(localInput("human labels", "input.labels.path", config.input().labels().path()));
        }
      }
    }
    return checked;
  }

  private static boolean isRemote(String location) {
    return location.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !location.startsWith("file:")
        && !location.startsWith("classpath:");
  }

  /** Checks that a local path exists; remote paths and glob patterns are left to the stage. */
  private static String localInput(String what, String key, String location) {
    if (isRemote(location) || location.matches(".*[*?\\[{].*")) {
      return what + " " + location + " not checked (remote or a pattern)";
    }
    Path path = Path.of(location.replaceFirst("^file:(//)?", ""));
    if (!Files.exists(path)) {
      throw Errors.missingInput(what, location + " (" + key + ", working directory "
          + Path.of("").toAbsolutePath() + ")", "Set " + key + " to an existing file or folder.");
    }
    return what + " " + location + " exists";
  }
}
