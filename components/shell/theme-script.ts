/** Applies the stored theme, or the system's when none is stored. Runs before paint (see app/layout.tsx). */
export const THEME_SCRIPT = `(function(){try{var t=localStorage.getItem('horcrux.theme');var d=t==='dark'||(t!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches);document.documentElement.classList.toggle('dark',d)}catch(e){}})()`;
