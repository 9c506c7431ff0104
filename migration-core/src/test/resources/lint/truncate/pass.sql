DELETE FROM notifications WHERE sent_at < now() - interval '2 years';
