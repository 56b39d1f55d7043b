// placeholder entry, replaced by the CLI
console.log('pssnap')
