package dev.pgnest.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.domain.properties.HasOwner;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.pgnest.cli.shared.CommandContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The structure DESIGN.md asks for, checked on the compiled main code of every module on the
 * CLI's class path (all but the test harness's users): Maven already keeps the modules' direction;
 * what it cannot see are cycles between packages and who opens connections.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("/dev/pgnest/testing/"))
                .importPackages("dev.pgnest");
    }

    @Test
    void noPackageDependsOnItselfThroughAnother() {
        slices().matching("dev.pgnest.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theMainClassNameCommandsLookForIsTheMainClass() {
        assertThat(CommandContext.MAIN_CLASS).isEqualTo(Pgnest.class.getName());
    }

    @Test
    void onlyThePostgresModuleOpensJdbcConnections() {
        noClasses().that().resideOutsideOfPackage("dev.pgnest.postgres..")
                .should().callMethod(java.sql.DriverManager.class, "getConnection", String.class, java.util.Properties.class)
                .orShould().callMethod(java.sql.DriverManager.class, "getConnection", String.class)
                .orShould().callMethod(java.sql.DriverManager.class, "getConnection", String.class, String.class, String.class)
                .check(classes);
    }

    /**
     * Child processes start in one place, {@code postgres}' ChildProcess, which captures stderr
     * for the error message, times out and kills with the descendants. No exceptions: the demo's
     * keytool and the WAL prefetcher (a detached pgnest) go through it too.
     */
    @Test
    void onlyThePostgresModuleStartsChildProcesses() {
        noClasses().that().resideOutsideOfPackage("dev.pgnest.postgres..")
                .should().callConstructor(ProcessBuilder.class, java.util.List.class)
                .orShould().callConstructor(ProcessBuilder.class, String[].class)
                .orShould().callMethodWhere(JavaCall.Predicates.target(HasName.Predicates.name("exec"))
                        .and(JavaCall.Predicates.target(HasOwner.Predicates.With.owner(
                                JavaClass.Predicates.assignableTo(Runtime.class)))))
                .because("ChildProcess is the one child-process helper (issue 19, item 1)")
                .check(classes);
    }
}
