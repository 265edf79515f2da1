package io.ecolens.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.ecolens.cli.EcolensCli;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of docs/ARCHITECTURE.md, checked on the compiled main classes: no package
 * cycles, each layer uses only the layers below it, and only the CLI ends the JVM.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  /**
   * The main classes only: the folder (or jar) the CLI was loaded from. ArchUnit's own test filter
   * knows only {@code target/test-classes}, not the Spark 4.1 build's {@code target/spark-4.1/test-classes}.
   */
  @BeforeAll
  static void importMainClasses() throws URISyntaxException {
    Path main = Path.of(EcolensCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    classes = new ClassFileImporter().importPath(main);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.ecolens.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void layersOnlyUseTheLayersBelow() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("io.ecolens.cli..")
        .layer("composition").definedBy("io.ecolens.pipeline..", "io.ecolens.experiment..")
        .layer("stages").definedBy("io.ecolens.generate..", "io.ecolens.ingest..", "io.ecolens.sample..",
            "io.ecolens.score", "io.ecolens.evaluate..", "io.ecolens.train..", "io.ecolens.metrics..",
            "io.ecolens.gate..", "io.ecolens.report..", "io.ecolens.simulator..")
        .layer("domain").definedBy("io.ecolens.scorer..", "io.ecolens.embedding..", "io.ecolens.diversity..")
        .layer("run").definedBy("io.ecolens.run..")
        .layer("core").definedBy("io.ecolens", "io.ecolens.config..", "io.ecolens.policy..", "io.ecolens.tables..",
            "io.ecolens.spark..", "io.ecolens.catalog..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("composition").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("stages").mayOnlyBeAccessedByLayers("cli", "composition")
        .whereLayer("run").mayOnlyBeAccessedByLayers("cli", "composition", "stages")
        .whereLayer("domain").mayOnlyBeAccessedByLayers("cli", "composition", "stages")
        .check(classes);
  }

  @Test
  void onlyTheCliEndsTheJvm() {
    noClasses().that().resideOutsideOfPackage("io.ecolens.cli..")
        .should().callMethod(System.class, "exit", int.class)
        .because("a stage reports failure with an exception; the CLI turns it into an exit code")
        .check(classes);
  }
}
