# sourced by login shells
export APP_MODE=production
