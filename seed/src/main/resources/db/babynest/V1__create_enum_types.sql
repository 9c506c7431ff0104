-- BabyNest value sets live in the catalog as enums, so the app, reports and ad-hoc SQL agree on them.
CREATE TYPE baby_sex AS ENUM ('female', 'male', 'unspecified');
CREATE TYPE caregiver_role AS ENUM ('parent', 'grandparent', 'nanny', 'other');
CREATE TYPE feeding_method AS ENUM ('breast_left', 'breast_right', 'bottle', 'solid');
CREATE TYPE diaper_kind AS ENUM ('wet', 'dirty', 'mixed', 'dry');
CREATE TYPE milestone_category AS ENUM ('motor', 'language', 'social', 'cognitive');
CREATE TYPE notification_channel AS ENUM ('push', 'email', 'sms');
