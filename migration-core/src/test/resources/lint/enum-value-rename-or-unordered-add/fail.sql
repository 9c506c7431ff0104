ALTER TYPE feeding_method ADD VALUE 'formula';
