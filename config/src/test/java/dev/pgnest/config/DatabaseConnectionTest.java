package dev.pgnest.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseConnectionTest {
    @Test
    void jdbcUrlCredentialsAreTakenOutOfTheUrl() {
        DatabaseConnection c = DatabaseConnection.parse("jdbc:postgresql://h:5433/db?user=u&password=p%40ss&sslmode=disable", null, null);
        assertThat(c.user()).isEqualTo("u");
        assertThat(c.password()).isEqualTo("p@ss");
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://h:5433/db?sslmode=disable");
        assertThat(c.libpqEnvironment()).containsEntry("PGPASSWORD", "p@ss").containsEntry("PGSSLMODE", "disable");
    }

    @Test
    void percentEncodedPasswordIsDecodedAndRedacted() {
        String url = "postgresql://app:p%2Fw%3Ard@db:5432/babynest";
        assertThat(DatabaseConnection.parse(url, null, null).password()).isEqualTo("p/w:rd");
        assertThat(DatabaseConnection.redact(url)).isEqualTo("postgresql://app:***@db:5432/babynest");
        assertThat(DatabaseConnection.redact("jdbc:postgresql://db/x?user=a&password=secret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/x?user=a&password=***&ssl=true");
        assertThat(DatabaseConnection.redact("postgresql://db:5432/x")).isEqualTo("postgresql://db:5432/x");
    }

    @Test
    void defaultsAreLibpqs() {
        DatabaseConnection c = DatabaseConnection.parse("postgresql://app@db", null, null);
        assertThat(c.port()).isEqualTo(5432);
        assertThat(c.database()).isEqualTo("app");
    }
}
