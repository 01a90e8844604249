var interfaceConfig = { APP_NAME: 'Jitsi Meet', SHOW_JITSI_WATERMARK: true };
